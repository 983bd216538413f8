"""The person record; other areas and modules point at person.id."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.places.models import Place
from core.types import AwareDateTime, utcnow


class Person(db.Model):
    """Someone the council or provider works with: a resident, service user, tenant, carer or contact."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(40))
    #: given names, as the person writes them
    first_names: Mapped[str] = mapped_column(String(200))
    #: family name
    last_name: Mapped[str] = mapped_column(String(200), index=True)
    #: what the person likes to be called
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    date_of_death: Mapped[date | None] = mapped_column(Date)
    #: demographic fields that funders' reports ask for, each a configurable lookup value
    gender_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    ethnicity_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    disability_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    religion_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    sexual_orientation_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    preferred_language_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    interpreter_required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: restricted records need a working relationship, or a stated reason (break-glass), to open
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: set when this record was merged into another; merged records are hidden from search but kept
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: lower-case names (current, preferred and previous) for fast, case-insensitive search
    search_name: Mapped[str] = mapped_column(Text, default="")
    #: sensitive: shown only to staff working with the person or holding people.sensitive.view; the audit notes
    #: that it changed without copying the words
    safeguarding_notes: Mapped[str] = mapped_column(Text, default="", info={"audit": "redact"})
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    gender = relationship("LookupValue", foreign_keys=[gender_id], lazy="joined")
    ethnicity = relationship("LookupValue", foreign_keys=[ethnicity_id], lazy="joined")
    disability = relationship("LookupValue", foreign_keys=[disability_id], lazy="joined")
    religion = relationship("LookupValue", foreign_keys=[religion_id], lazy="joined")
    sexual_orientation = relationship("LookupValue", foreign_keys=[sexual_orientation_id], lazy="joined")
    preferred_language = relationship("LookupValue", foreign_keys=[preferred_language_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __audit_person__ = "id"
    __table_args__ = (
        # a trigram index: any part of the key without reading every row, for searches of the key itself such as
        # the attendance module's (PostgreSQL; on SQLite it is a plain index that search does not use); the people
        # search reads PersonNameWord and PersonNameEntry instead
        Index(
            "ix_person_search_name_trgm",
            "search_name",
            postgresql_using="gin",
            postgresql_ops={"search_name": "gin_trgm_ops"},
        ),
        # results come in name order: a search matching many people reads this index and stops after one page
        Index("ix_person_sort_name", "last_name", "first_names", "id"),
    )

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.last_name}>"

    @property
    def full_name(self) -> str:
        """Given and family names, as on formal letters."""
        return f"{self.first_names} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        """The name staff use: the preferred name if there is one, with the family name."""
        return f"{self.preferred_name or self.first_names} {self.last_name}".strip()

    def age_on(self, day: date) -> int | None:
        """Age in whole years on a date, or None without a date of birth."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# the words of the search key as an array (PostgreSQL only): people having any of a set of words, found by exact
# word, for searches of two or more words or with other criteria (see PersonNameWord)
Index(
    "ix_person_search_words", func.string_to_array(Person.search_name, " "), postgresql_using="gin"
).ddl_if(dialect="postgresql")


class PersonNameWord(db.Model):
    """A distinct word of anyone's names (normalised as search compares them), kept by the people service.

    Some thousands of rows however many people: a search first finds here the words containing what was typed, or
    like it (a trigram index on PostgreSQL), then the people with those words through PersonNameEntry. Words no
    one uses any more are left: they only cost a look that finds no one.
    """

    __tablename__ = "person_name_word"

    word: Mapped[str] = mapped_column(Text, primary_key=True)

    __table_args__ = (
        Index("ix_person_name_word_trgm", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
    )


class PersonNameEntry(db.Model):
    """One word of the search key of a person who is not merged, with their name-order key, kept by the people
    service: the primary key lists each word's people in name order, so a page of them needs no sort."""

    __tablename__ = "person_name_entry"

    word: Mapped[str] = mapped_column(Text, primary_key=True)
    last_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    first_names: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (
        # a person's words, to replace them when their names change and to score a candidate by all of them
        Index("ix_person_name_entry_person_id_word", "person_id", "word"),
    )


class PersonPreviousName(db.Model):
    """A name a person was known by before, e.g. a birth name, kept so searches still find them."""

    __tablename__ = "person_previous_name"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    first_names: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    #: when the person started and stopped using the name, where known
    used_from: Mapped[date | None] = mapped_column(Date)
    used_until: Mapped[date | None] = mapped_column(Date)
    #: why it changed, e.g. "Marriage" or "Merged from record 42"
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<PersonPreviousName {self.person_id} {self.last_name}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_name}".strip()


class PersonContactDetail(db.Model):
    """A way to reach a person: a phone number, email address or other type from the people.contact_type list."""

    __tablename__ = "person_contact_detail"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    contact_type_id: Mapped[int] = mapped_column(ForeignKey("lookup_value.id"))
    #: checked and normalised for its type: phone numbers in international form, email addresses tidied
    value: Mapped[str] = mapped_column(String(320))
    #: the one to try first
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    contact_type = relationship("LookupValue", lazy="joined")

    def __repr__(self) -> str:
        return f"<PersonContactDetail {self.person_id} {self.contact_type_id}>"


#: how values of an identifier type are checked: code -> label shown to administrators
VALIDATION_KINDS: dict[str, str] = {
    "nhs_number": "NHS number (10 digits with a modulus 11 check digit)",
    "ni_number": "National Insurance number (two letters, six digits, A to D)",
    "free_text": "Free text (any letters and numbers)",
    "regex": "Pattern (a regular expression an administrator writes)",
}


class PersonIdentifierType(db.Model):
    """A kind of reference number other organisations give people, e.g. NHS number or housing reference."""

    __tablename__ = "person_identifier_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable machine name, e.g. "nhs_number"
    code: Mapped[str] = mapped_column(String(80), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    #: one of VALIDATION_KINDS
    validation: Mapped[str] = mapped_column(String(40), default="free_text")
    #: for validation "regex": the pattern a whole value must match (after trimming and upper-casing)
    pattern: Mapped[str] = mapped_column(String(500), default="")
    #: when set, two people cannot hold the same value of this type
    unique: Mapped[bool] = mapped_column(Boolean, default=False)
    #: inactive types are not offered for new values, but old values still show
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<PersonIdentifierType {self.code}>"


class PersonIdentifier(db.Model):
    """A person's reference number of one identifier type, stored in its checked, normal form."""

    __tablename__ = "person_identifier"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    identifier_type_id: Mapped[int] = mapped_column(ForeignKey("person_identifier_type.id"))
    #: the normal form for the type, e.g. "9434765919" or "AB123456C"
    value: Mapped[str] = mapped_column(String(120))
    #: upper-case letters and digits only, so a search finds the value however it was typed
    match_key: Mapped[str] = mapped_column(String(120), index=True)
    #: the match key when the type is unique, else empty (NULL), so the database refuses a second holder
    unique_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    identifier_type = relationship(PersonIdentifierType, lazy="joined")

    __table_args__ = (UniqueConstraint("identifier_type_id", "unique_key"),)

    def __repr__(self) -> str:
        return f"<PersonIdentifier {self.person_id} {self.identifier_type_id}>"


class PersonAddress(db.Model):
    """A dated link from a person to a place: where they live, lived, or want letters sent."""

    __tablename__ = "person_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    #: a people.address_type value: home, correspondence, previous, temporary
    address_type_id: Mapped[int] = mapped_column(ForeignKey("lookup_value.id"))
    start_date: Mapped[date | None] = mapped_column(Date)
    #: empty while the address is current
    end_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    address_type = relationship("LookupValue", lazy="joined")
    place = relationship(Place, lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),)

    def __repr__(self) -> str:
        return f"<PersonAddress {self.person_id} place={self.place_id}>"

    def current_on(self, day: date) -> bool:
        """Whether the address applied on a day."""
        return (self.start_date is None or self.start_date <= day) and (self.end_date is None or self.end_date >= day)


class PersonRelationshipType(db.Model):
    """A kind of relationship, named from each side: "parent of" and "child of", "carer of" and "cared for by"."""

    __tablename__ = "person_relationship_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable machine name, e.g. "parent"
    code: Mapped[str] = mapped_column(String(80), unique=True)
    #: how person A relates to person B, e.g. "parent of"
    label_a: Mapped[str] = mapped_column(String(200))
    #: how person B relates to person A, e.g. "child of"; the same as label_a for two-way types like "sibling of"
    label_b: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<PersonRelationshipType {self.code}>"


class PersonRelationship(db.Model):
    """A dated relationship between two people, read as "A is <label_a> B" and "B is <label_b> A"."""

    __tablename__ = "person_relationship"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    person_b_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    relationship_type_id: Mapped[int] = mapped_column(ForeignKey("person_relationship_type.id"))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    relationship_type = relationship(PersonRelationshipType, lazy="joined")
    person_a = relationship(Person, foreign_keys=[person_a_id])
    person_b = relationship(Person, foreign_keys=[person_b_id])

    __audit_person__ = "person_a_id"
    __table_args__ = (
        CheckConstraint("person_a_id <> person_b_id", name="two_people"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
    )

    def __repr__(self) -> str:
        return f"<PersonRelationship {self.person_a_id}-{self.relationship_type_id}-{self.person_b_id}>"


class PersonWorker(db.Model):
    """A member of staff assigned to work with a person, in a role such as key worker, for a period."""

    __tablename__ = "person_worker"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: a people.worker_role value, e.g. key worker or social worker
    role_id: Mapped[int] = mapped_column(ForeignKey("lookup_value.id"))
    start_date: Mapped[date] = mapped_column(Date)
    #: empty while the assignment lasts
    end_date: Mapped[date | None] = mapped_column(Date)

    user = relationship("User", lazy="joined")
    role = relationship("LookupValue", lazy="joined")

    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),)

    def __repr__(self) -> str:
        return f"<PersonWorker person={self.person_id} user={self.user_id}>"


class PersonTeam(db.Model):
    """A team working with a person for a period; its members count as working with the person."""

    __tablename__ = "person_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("access_team.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    team = relationship("Team", lazy="joined")

    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),)

    def __repr__(self) -> str:
        return f"<PersonTeam person={self.person_id} team={self.team_id}>"
