"""People: every rule and write about a person's record, its history, duplicates, merges, timeline and search."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask import current_app
from markupsafe import Markup
from sqlalchemy import (
    Date,
    Integer,
    Text,
    and_,
    bindparam,
    event,
    exists,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload
from werkzeug.exceptions import NotFound

from core.access import services as access
from core.access.models import Team, TeamMember
from core.audit import services as audit
from core.extensions import BoundSession, db
from core.lookups.models import LookupValue
from core.people import identifiers
from core.people.identifiers import InvalidValue
from core.people.models import (
    VALIDATION_KINDS,
    Person,
    PersonAddress,
    PersonContactDetail,
    PersonIdentifier,
    PersonIdentifierType,
    PersonNameEntry,
    PersonNameWord,
    PersonPreviousName,
    PersonRelationship,
    PersonRelationshipType,
    PersonTeam,
    PersonWorker,
)
from core.permissions import authorize, can
from core.places.models import Place
from core.plugins import TimelineEntry
from core.security.models import User
from core.types import LONDON, london_now

VIEW = "people.view"
CREATE = "people.create"
EDIT = "people.edit"
MERGE = "people.merge"
MANAGE_WORKERS = "people.workers.manage"
MANAGE_IDENTIFIER_TYPES = "people.identifier_types.manage"
MANAGE_RELATIONSHIP_TYPES = "people.relationship_types.manage"
SEE_ACCESSES = "people.audit.view"

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

#: reference number types every installation starts with: (code, label, validation, unique)
IDENTIFIER_TYPE_SEEDS: tuple[tuple[str, str, str, bool], ...] = (
    ("nhs_number", "NHS number", "nhs_number", True),
    ("ni_number", "National Insurance number", "ni_number", True),
    # household members share these, so they are not unique
    ("housing_reference", "Housing reference", "free_text", False),
    ("council_tax_reference", "Council tax reference", "free_text", False),
)

#: relationship types every installation starts with: (code, label from A's side, label from B's side)
RELATIONSHIP_TYPE_SEEDS: tuple[tuple[str, str, str], ...] = (
    ("parent", "parent of", "child of"),
    ("carer", "carer of", "cared for by"),
    ("landlord", "landlord of", "tenant of"),
    ("spouse", "spouse or civil partner of", "spouse or civil partner of"),
    ("partner", "partner of", "partner of"),
    ("sibling", "sibling of", "sibling of"),
    ("grandparent", "grandparent of", "grandchild of"),
    ("guardian", "legal guardian of", "under the guardianship of"),
    ("emergency_contact", "emergency contact for", "has as emergency contact"),
)

#: how many possible duplicates the create form shows at most
DUPLICATE_LIMIT = 20
#: names at least this alike (0 to 1, difflib's ratio) with the same date of birth are shown as possible duplicates
SIMILAR_NAME_RATIO = 0.8
#: PostgreSQL word similarity (pg_trgm) at which a misspelt name part still matches: "smyth" is 0.33 like "smith"
WORD_SIMILARITY = 0.3
#: people on one page of search results
PAGE_SIZE = 20


class PeopleError(ValueError):
    """A change was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class DuplicateMatch:
    """An existing person who may be the one being added, and why they were picked."""

    person: Person
    reasons: list[str]


class PossibleDuplicates(Exception):
    """The person being added may already have a record: the user must look and confirm before saving."""

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        super().__init__(f"{len(matches)} possible duplicate(s)")
        self.matches = matches


class MergedRecord(Exception):
    """The record asked for was merged into another; ``target_id`` is where its history now lives."""

    def __init__(self, source: Person, target_id: int) -> None:
        super().__init__(target_id)
        self.source = source
        self.target_id = target_id


@dataclass
class PersonDetails:
    """The fields of the person record itself, as a form or API call gives them."""

    first_names: str
    last_name: str
    title: str = ""
    preferred_name: str = ""
    date_of_birth: date | None = None
    date_of_death: date | None = None
    gender_id: int | None = None
    ethnicity_id: int | None = None
    disability_id: int | None = None
    religion_id: int | None = None
    sexual_orientation_id: int | None = None
    preferred_language_id: int | None = None
    interpreter_required: bool = False
    restricted: bool = False


#: each demographic field and the lookup list its values come from
DEMOGRAPHIC_LISTS: dict[str, str] = {
    "gender_id": "people.gender",
    "ethnicity_id": "people.ethnicity",
    "disability_id": "people.disability",
    "religion_id": "people.religion",
    "sexual_orientation_id": "people.sexual_orientation",
    "preferred_language_id": "people.language",
}


def today() -> date:
    """Today in Europe/London, the day staff mean."""
    return london_now().date()


def _emit(hook: str, **kwargs: Any) -> None:
    getattr(current_app.extensions["ppp"].pm.hook, hook)(**kwargs)


def _get(model: type, record_id: Any) -> Any:
    found = db.session.get(model, record_id) if record_id is not None else None
    if found is None:
        raise NotFound()
    return found


def _open(person: Person) -> None:
    # a restricted record is only changed by staff who could open it
    access.check_record_access(person.id, person.restricted)


# --- names and search keys ---------------------------------------------------------------------------------


def normalise_name(text: str | None) -> str:
    """A name as search compares it: lower case, accents and apostrophes dropped, other punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"['’`]", "", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def refresh_search_name(person: Person) -> None:
    """Rebuild the person's search key from their current, preferred and previous names."""
    names = [person.first_names, person.last_name, person.preferred_name]
    if person.id is not None:
        names += [
            f"{row.first_names} {row.last_name}"
            for row in db.session.scalars(select(PersonPreviousName).where(PersonPreviousName.person_id == person.id))
        ]
    words: list[str] = []
    for name in names:
        for word in normalise_name(name).split():
            if word not in words:
                words.append(word)
    person.search_name = " ".join(words)


def _name_index_changes(session) -> list[Person]:
    """The people whose search key, name-order key or merged state this flush wrote."""
    changed = []
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Person) or obj.id is None:
            continue
        state = inspect(obj)
        if obj in session.new or any(
            state.attrs[name].history.has_changes()
            for name in ("search_name", "last_name", "first_names", "merged_into_id")
        ):
            changed.append(obj)
    return changed


def keep_name_index(session, _flush_context) -> None:
    """After a flush, write the changed people's words to person_name_entry and any new word to person_name_word.

    Every way a person is written (the services, factories, merges) goes through a flush, so the tables search
    reads first cannot fall behind the search keys; merged records get no entries, as search leaves them out.
    """
    people = _name_index_changes(session)
    if not people:
        return
    connection = session.connection()
    entries = PersonNameEntry.__table__
    connection.execute(entries.delete().where(entries.c.person_id.in_([person.id for person in people])))
    rows, words = [], set()
    for person in people:
        mine = set((person.search_name or "").split())
        words |= mine
        if person.merged_into_id is None:
            rows += [{"word": word, "last_name": person.last_name or "", "first_names": person.first_names or "",
                      "person_id": person.id} for word in sorted(mine)]
    if rows:
        connection.execute(entries.insert(), rows)
    if words:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        # sorted, so two sessions adding the same new words wait for each other instead of deadlocking
        connection.execute(insert(PersonNameWord.__table__).on_conflict_do_nothing(),
                           [{"word": word} for word in sorted(words)])


def install_name_index() -> None:
    """Attach keep_name_index to the session class of core.extensions.db, once per process."""
    if not event.contains(BoundSession, "after_flush", keep_name_index):
        event.listen(BoundSession, "after_flush", keep_name_index)


# --- seeded types ----------------------------------------------------------------------------------------------


def sync_types() -> dict[str, int]:
    """Add the seeded identifier and relationship types that are missing; never change or remove existing ones."""
    added = {"identifier_types": 0, "relationship_types": 0}
    have = set(db.session.scalars(select(PersonIdentifierType.code)))
    order = db.session.scalar(select(func.max(PersonIdentifierType.sort_order))) or 0
    for code, label, validation, unique in IDENTIFIER_TYPE_SEEDS:
        if code not in have:
            order += 10
            db.session.add(
                PersonIdentifierType(code=code, label=label, validation=validation, unique=unique, sort_order=order)
            )
            added["identifier_types"] += 1
    have = set(db.session.scalars(select(PersonRelationshipType.code)))
    order = db.session.scalar(select(func.max(PersonRelationshipType.sort_order))) or 0
    for code, label_a, label_b in RELATIONSHIP_TYPE_SEEDS:
        if code not in have:
            order += 10
            db.session.add(PersonRelationshipType(code=code, label_a=label_a, label_b=label_b, sort_order=order))
            added["relationship_types"] += 1
    db.session.flush()
    return added


# --- the person record -------------------------------------------------------------------------------------


def _check_details(details: PersonDetails) -> PersonDetails:
    details.first_names = " ".join((details.first_names or "").split())
    details.last_name = " ".join((details.last_name or "").split())
    details.title = " ".join((details.title or "").split())
    details.preferred_name = " ".join((details.preferred_name or "").split())
    if not details.first_names:
        raise PeopleError("first_names", "Enter the person's first names")
    if not details.last_name:
        raise PeopleError("last_name", "Enter the person's last name")
    if details.date_of_birth and details.date_of_birth > today():
        raise PeopleError("date_of_birth", "Date of birth must be today or in the past")
    if details.date_of_death:
        if details.date_of_death > today():
            raise PeopleError("date_of_death", "Date of death must be today or in the past")
        if details.date_of_birth and details.date_of_death < details.date_of_birth:
            raise PeopleError("date_of_death", "Date of death must be the same as or after the date of birth")
    for attribute, list_code in DEMOGRAPHIC_LISTS.items():
        value_id = getattr(details, attribute)
        if value_id is not None:
            row = db.session.get(LookupValue, value_id)
            if row is None or row.list_code != list_code:
                raise PeopleError(attribute, "Select one of the options")
    return details


def _apply(person: Person, details: PersonDetails) -> None:
    for name in PersonDetails.__dataclass_fields__:
        value = getattr(details, name)
        if name in ("title", "preferred_name"):
            value = value or None
        setattr(person, name, value)


def _identifier_type(type_id: int | None, active_only: bool = True) -> PersonIdentifierType:
    kind = db.session.get(PersonIdentifierType, type_id) if type_id else None
    if kind is None or (active_only and not kind.active):
        raise PeopleError("identifier_type_id", "Select a type of reference number")
    return kind


def _normalised_identifier(kind: PersonIdentifierType, value: str, field: str = "value") -> str:
    try:
        return identifiers.identifier_value(kind.validation, value, kind.pattern)
    except InvalidValue as exc:
        raise PeopleError(field, str(exc)) from None


def holder_of(kind: PersonIdentifierType, value: str) -> Person | None:
    """The person already holding this value of the type, if any."""
    return db.session.scalar(
        select(Person)
        .join(PersonIdentifier, PersonIdentifier.person_id == Person.id)
        .where(
            PersonIdentifier.identifier_type_id == kind.id,
            PersonIdentifier.match_key == identifiers.match_key(value),
        )
        .limit(1)
    )


def display_identifier(identifier: PersonIdentifier) -> str:
    """A reference number as people read it, e.g. "943 476 5919"."""
    return identifiers.display_identifier(identifier.identifier_type.validation, identifier.value)


def possible_duplicates(
    first_names: str,
    last_name: str,
    date_of_birth: date | None,
    identifier: tuple[PersonIdentifierType, str] | None = None,
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """People who may be the same as the one described: same or similar name with the same date of birth, or the
    same reference number."""
    found: dict[int, DuplicateMatch] = {}

    def note(person: Person, reason: str) -> None:
        if person.id == exclude_id or person.merged_into_id is not None:
            return
        found.setdefault(person.id, DuplicateMatch(person, [])).reasons.append(reason)

    wanted = normalise_name(f"{first_names} {last_name}")
    if date_of_birth is not None:
        candidates = db.session.scalars(
            select(Person).where(Person.date_of_birth == date_of_birth, Person.merged_into_id.is_(None))
        )
        for person in candidates:
            names = [normalise_name(person.full_name)]
            if person.preferred_name:
                names.append(normalise_name(f"{person.preferred_name} {person.last_name}"))
            names += [
                normalise_name(row.full_name)
                for row in db.session.scalars(
                    select(PersonPreviousName).where(PersonPreviousName.person_id == person.id)
                )
            ]
            if wanted in names:
                note(person, "Same name and date of birth")
            elif _similar(wanted, names, normalise_name(last_name), normalise_name(first_names)):
                note(person, "Similar name and same date of birth")
    if identifier is not None:
        kind, value = identifier
        holder = holder_of(kind, value)
        if holder is not None:
            note(holder, f"Same {kind.label} ({identifiers.display_identifier(kind.validation, value)})")
    return list(found.values())[:DUPLICATE_LIMIT]


def _similar(wanted: str, names: list[str], last: str, first: str) -> bool:
    words = sorted(wanted.split())
    for name in names:
        if difflib.SequenceMatcher(None, wanted, name).ratio() >= SIMILAR_NAME_RATIO:
            return True
        if sorted(name.split()) == words:  # first and last names swapped
            return True
        parts = name.split()
        # same family name and the same first initial, e.g. "J Smith" for "John Smith"
        if parts and last and parts[-1] == last.split()[-1] and first and parts[0][:1] == first[:1]:
            return True
    return False


def create_person(
    details: PersonDetails,
    identifier: tuple[int, str] | None = None,
    *,
    confirmed: bool = False,
    safeguarding_notes: str = "",
) -> Person:
    """Add a person; unless the user has confirmed, refuse with the possible duplicates found first.

    :param identifier: an optional (identifier type id, value) to record with the person
    :param confirmed: the user has seen the possible duplicates and says this is someone else
    """
    authorize(CREATE)
    details = _check_details(details)
    checked: tuple[PersonIdentifierType, str] | None = None
    if identifier is not None and (identifier[1] or "").strip():
        kind = _identifier_type(identifier[0])
        checked = (kind, _normalised_identifier(kind, identifier[1], "identifier_value"))
    if not confirmed:
        matches = possible_duplicates(details.first_names, details.last_name, details.date_of_birth, checked)
        if matches:
            raise PossibleDuplicates(matches)
    if checked is not None and checked[0].unique:
        holder = holder_of(*checked)
        if holder is not None:
            raise PeopleError(
                "identifier_value",
                f"{checked[0].label} {identifiers.display_identifier(checked[0].validation, checked[1])} already "
                f"belongs to {holder.full_name} (record {holder.id}): open that record instead",
            )
    person = Person()
    _apply(person, details)
    person.safeguarding_notes = safeguarding_notes.strip()
    refresh_search_name(person)
    db.session.add(person)
    db.session.flush()
    if checked is not None:
        _add_identifier(person, *checked)
    _emit("person_created", person=person)
    return person


def update_person(person: Person, details: PersonDetails, *, keep_old_name: bool = False) -> Person:
    """Change a person's details; with keep_old_name, a changed name is kept as a previous name."""
    authorize(EDIT)
    _open(person)
    details = _check_details(details)
    if keep_old_name and (person.first_names, person.last_name) != (details.first_names, details.last_name):
        db.session.add(
            PersonPreviousName(
                person_id=person.id,
                first_names=person.first_names,
                last_name=person.last_name,
                used_until=today(),
                reason="Change of name",
            )
        )
    _apply(person, details)
    db.session.flush()
    refresh_search_name(person)
    db.session.flush()
    _emit("person_updated", person=person)
    return person


def set_safeguarding_notes(person: Person, notes: str) -> None:
    """Change the sensitive safeguarding notes, which only staff allowed to see them may do."""
    authorize(EDIT)
    _open(person)
    if not access.can_see_sensitive(person.id):
        raise PeopleError("safeguarding_notes", "Only staff working with this person can change these notes")
    person.safeguarding_notes = (notes or "").strip()
    db.session.flush()


def add_previous_name(
    person: Person,
    first_names: str,
    last_name: str,
    used_from: date | None = None,
    used_until: date | None = None,
    reason: str = "",
) -> PersonPreviousName:
    """Record a name the person used before, so searches for it still find them."""
    authorize(EDIT)
    _open(person)
    first_names, last_name = " ".join((first_names or "").split()), " ".join((last_name or "").split())
    if not first_names and not last_name:
        raise PeopleError("first_names", "Enter the previous first names or last name")
    if used_from and used_until and used_until < used_from:
        raise PeopleError("used_until", "The date the name stopped being used must be on or after it started")
    row = PersonPreviousName(
        person_id=person.id,
        first_names=first_names,
        last_name=last_name,
        used_from=used_from,
        used_until=used_until,
        reason=(reason or "").strip(),
    )
    db.session.add(row)
    db.session.flush()
    refresh_search_name(person)
    db.session.flush()
    return row


def previous_names(person_id: int) -> list[PersonPreviousName]:
    return list(
        db.session.scalars(
            select(PersonPreviousName)
            .where(PersonPreviousName.person_id == person_id)
            .order_by(PersonPreviousName.used_until.desc().nulls_last(), PersonPreviousName.id.desc())
        )
    )


# --- contact details -------------------------------------------------------------------------------------------


def add_contact_detail(
    person: Person, contact_type_id: int | None, value: str, preferred: bool = False, note: str = ""
) -> PersonContactDetail:
    """Add a phone number, email address or other contact detail, checked for its type."""
    authorize(EDIT)
    _open(person)
    kind = db.session.get(LookupValue, contact_type_id) if contact_type_id else None
    if kind is None or kind.list_code != "people.contact_type" or not kind.active:
        raise PeopleError("contact_type_id", "Select a type of contact detail")
    try:
        value = identifiers.contact_value(kind.code, value)
    except InvalidValue as exc:
        raise PeopleError("value", str(exc)) from None
    existing = contact_details(person.id)
    if any(row.contact_type_id == kind.id and row.value == value for row in existing):
        raise PeopleError("value", f"This {kind.label.lower()} is already recorded")
    if preferred:
        for row in existing:
            row.preferred = False
    detail = PersonContactDetail(
        person_id=person.id, contact_type_id=kind.id, value=value, preferred=preferred, note=(note or "").strip()
    )
    db.session.add(detail)
    db.session.flush()
    return detail


def remove_contact_detail(person: Person, detail_id: int) -> None:
    """Remove a contact detail that is wrong or no longer used; the audit keeps what it was."""
    authorize(EDIT)
    _open(person)
    detail = _get(PersonContactDetail, detail_id)
    if detail.person_id != person.id:
        raise NotFound()
    db.session.delete(detail)
    db.session.flush()


def contact_details(person_id: int) -> list[PersonContactDetail]:
    return list(
        db.session.scalars(
            select(PersonContactDetail)
            .where(PersonContactDetail.person_id == person_id)
            .order_by(PersonContactDetail.preferred.desc(), PersonContactDetail.id)
        )
    )


def display_contact(detail: PersonContactDetail) -> str:
    """A contact detail as people read it, e.g. "0161 496 0000"."""
    return identifiers.display_contact(detail.contact_type.code, detail.value)


# --- reference numbers (identifiers) --------------------------------------------------------------------------


def _add_identifier(person: Person, kind: PersonIdentifierType, value: str) -> PersonIdentifier:
    key = identifiers.match_key(value)
    row = PersonIdentifier(
        person_id=person.id,
        identifier_type_id=kind.id,
        value=value,
        match_key=key,
        unique_key=key if kind.unique else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def add_identifier(person: Person, identifier_type_id: int | None, value: str) -> PersonIdentifier:
    """Record a reference number, checked by its type's rule and unique where the type says so."""
    authorize(EDIT)
    _open(person)
    kind = _identifier_type(identifier_type_id)
    value = _normalised_identifier(kind, value)
    shown = identifiers.display_identifier(kind.validation, value)
    key = identifiers.match_key(value)
    for row in identifiers_of(person.id):
        if row.identifier_type_id == kind.id and row.match_key == key:
            raise PeopleError("value", f"{kind.label} {shown} is already recorded for this person")
    if kind.unique:
        holder = holder_of(kind, value)
        if holder is not None:
            raise PeopleError(
                "value", f"{kind.label} {shown} already belongs to {holder.full_name} (record {holder.id})"
            )
    return _add_identifier(person, kind, value)


def remove_identifier(person: Person, identifier_id: int) -> None:
    authorize(EDIT)
    _open(person)
    row = _get(PersonIdentifier, identifier_id)
    if row.person_id != person.id:
        raise NotFound()
    db.session.delete(row)
    db.session.flush()


def identifiers_of(person_id: int) -> list[PersonIdentifier]:
    return list(
        db.session.scalars(
            select(PersonIdentifier)
            .join(PersonIdentifierType)
            .where(PersonIdentifier.person_id == person_id)
            .order_by(PersonIdentifierType.sort_order, PersonIdentifierType.label, PersonIdentifier.id)
        )
    )


def identifier_types(include_inactive: bool = True) -> list[PersonIdentifierType]:
    query = select(PersonIdentifierType).order_by(PersonIdentifierType.sort_order, PersonIdentifierType.label)
    if not include_inactive:
        query = query.where(PersonIdentifierType.active.is_(True))
    return list(db.session.scalars(query))


def _check_identifier_type(label: str, validation: str, pattern: str) -> tuple[str, str]:
    label = " ".join((label or "").split())
    if not label:
        raise PeopleError("label", "Enter a name for the reference number type")
    if validation not in VALIDATION_KINDS:
        raise PeopleError("validation", "Select how values are checked")
    if validation == "regex":
        try:
            pattern = identifiers.check_pattern(pattern)
        except InvalidValue as exc:
            raise PeopleError("pattern", str(exc)) from None
    else:
        pattern = ""
    return label, pattern


def create_identifier_type(
    code: str, label: str, validation: str, pattern: str = "", unique: bool = False, active: bool = True
) -> PersonIdentifierType:
    """Add a kind of reference number, e.g. a social care case number."""
    authorize(MANAGE_IDENTIFIER_TYPES)
    code = (code or "").strip().lower()
    if not CODE_PATTERN.match(code):
        raise PeopleError("code", "Code must start with a letter and use only a-z, 0-9 and _")
    if db.session.scalar(select(PersonIdentifierType).where(PersonIdentifierType.code == code)) is not None:
        raise PeopleError("code", f'A reference number type with the code "{code}" already exists')
    label, pattern = _check_identifier_type(label, validation, pattern)
    order = db.session.scalar(select(func.max(PersonIdentifierType.sort_order))) or 0
    kind = PersonIdentifierType(
        code=code, label=label, validation=validation, pattern=pattern, unique=unique, active=active,
        sort_order=order + 10,
    )
    db.session.add(kind)
    db.session.flush()
    return kind


def update_identifier_type(
    kind: PersonIdentifierType, label: str, validation: str, pattern: str, unique: bool, active: bool
) -> PersonIdentifierType:
    """Change a reference number type; making it unique is refused while two people share a value."""
    authorize(MANAGE_IDENTIFIER_TYPES)
    label, pattern = _check_identifier_type(label, validation, pattern)
    if unique and not kind.unique:
        shared = db.session.execute(
            select(PersonIdentifier.match_key, func.count(func.distinct(PersonIdentifier.person_id)))
            .where(PersonIdentifier.identifier_type_id == kind.id)
            .group_by(PersonIdentifier.match_key)
            .having(func.count(func.distinct(PersonIdentifier.person_id)) > 1)
            .limit(1)
        ).first()
        if shared is not None:
            raise PeopleError(
                "unique",
                f"{shared[1]} people share the {kind.label} {shared[0]}: merge or correct their records before "
                f"making this type unique",
            )
    if unique != kind.unique:
        # one row per person and value keeps the unique key to a single holder
        db.session.execute(
            update(PersonIdentifier)
            .where(PersonIdentifier.identifier_type_id == kind.id)
            .values(unique_key=PersonIdentifier.match_key if unique else None)
        )
    kind.label, kind.validation, kind.pattern, kind.unique, kind.active = label, validation, pattern, unique, active
    db.session.flush()
    return kind


# --- relationship types ---------------------------------------------------------------------------------------


def relationship_types(include_inactive: bool = True) -> list[PersonRelationshipType]:
    query = select(PersonRelationshipType).order_by(PersonRelationshipType.sort_order, PersonRelationshipType.label_a)
    if not include_inactive:
        query = query.where(PersonRelationshipType.active.is_(True))
    return list(db.session.scalars(query))


def _check_labels(label_a: str, label_b: str) -> tuple[str, str]:
    label_a, label_b = " ".join((label_a or "").split()), " ".join((label_b or "").split())
    if not label_a:
        raise PeopleError("label_a", 'Enter how the first person relates to the second, such as "parent of"')
    if not label_b:
        raise PeopleError("label_b", 'Enter how the second person relates to the first, such as "child of"')
    return label_a, label_b


def create_relationship_type(code: str, label_a: str, label_b: str, active: bool = True) -> PersonRelationshipType:
    """Add a kind of relationship with its label from each side."""
    authorize(MANAGE_RELATIONSHIP_TYPES)
    code = (code or "").strip().lower()
    if not CODE_PATTERN.match(code):
        raise PeopleError("code", "Code must start with a letter and use only a-z, 0-9 and _")
    if db.session.scalar(select(PersonRelationshipType).where(PersonRelationshipType.code == code)) is not None:
        raise PeopleError("code", f'A relationship type with the code "{code}" already exists')
    label_a, label_b = _check_labels(label_a, label_b)
    order = db.session.scalar(select(func.max(PersonRelationshipType.sort_order))) or 0
    kind = PersonRelationshipType(code=code, label_a=label_a, label_b=label_b, active=active, sort_order=order + 10)
    db.session.add(kind)
    db.session.flush()
    return kind


def update_relationship_type(
    kind: PersonRelationshipType, label_a: str, label_b: str, active: bool
) -> PersonRelationshipType:
    authorize(MANAGE_RELATIONSHIP_TYPES)
    kind.label_a, kind.label_b = _check_labels(label_a, label_b)
    kind.active = active
    db.session.flush()
    return kind


# --- address history ------------------------------------------------------------------------------------------


def _overlaps(start_a: date | None, end_a: date | None, start_b: date | None, end_b: date | None) -> bool:
    return (end_b is None or start_a is None or start_a <= end_b) and (end_a is None or start_b is None or start_b <= end_a)


def _period(start: date | None, end: date | None) -> str:
    def shown(day: date) -> str:
        return f"{day.day} {day:%B %Y}"

    if start and end:
        return f"from {shown(start)} to {shown(end)}"
    if start:
        return f"from {shown(start)} with no end date"
    return f"until {shown(end)}" if end else "with no dates"


def add_address(
    person: Person,
    place_id: int | None,
    address_type_id: int | None,
    start_date: date | None,
    end_date: date | None = None,
    note: str = "",
    *,
    replaces_home: bool = False,
) -> PersonAddress:
    """Link a person to a place for a period; a person has one home address at a time.

    :param replaces_home: end the current home address the day before this one starts, as when someone moves
    """
    authorize(EDIT)
    _open(person)
    place = db.session.get(Place, place_id) if place_id else None
    if place is None:
        raise PeopleError("place_id", "Select an address")
    kind = db.session.get(LookupValue, address_type_id) if address_type_id else None
    if kind is None or kind.list_code != "people.address_type" or not kind.active:
        raise PeopleError("address_type_id", "Select a type of address")
    if start_date and end_date and end_date < start_date:
        raise PeopleError("end_date", "The end date must be the same as or after the start date")
    if kind.code == "home":
        homes = [row for row in addresses_of(person.id) if row.address_type.code == "home"]
        if replaces_home and start_date is not None:
            for row in homes:
                if row.end_date is None and (row.start_date is None or row.start_date < start_date):
                    row.end_date = date.fromordinal(start_date.toordinal() - 1)
        for row in homes:
            if _overlaps(start_date, end_date, row.start_date, row.end_date):
                raise PeopleError(
                    "start_date",
                    f"{person.display_name} already has a home address at {row.place.label} "
                    f"{_period(row.start_date, row.end_date)}. A person has one home address at a time: end that "
                    f"one first, or say this address replaces it",
                )
    row = PersonAddress(
        person_id=person.id,
        place_id=place.id,
        address_type_id=kind.id,
        start_date=start_date,
        end_date=end_date,
        note=(note or "").strip(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def end_address(person: Person, address_id: int, end_date: date | None) -> PersonAddress:
    """Record the day an address stopped applying."""
    authorize(EDIT)
    _open(person)
    row = _get(PersonAddress, address_id)
    if row.person_id != person.id:
        raise NotFound()
    if end_date is None:
        raise PeopleError("end_date", "Enter the date the address stopped applying")
    return _end(row, end_date)


def _end(row, end_date: date):
    """End a dated link (address, relationship, worker or team) on a day no earlier than its start."""
    if row.start_date and end_date < row.start_date:
        raise PeopleError("end_date", "The end date must be the same as or after the start date")
    row.end_date = end_date
    db.session.flush()
    return row


def addresses_of(person_id: int) -> list[PersonAddress]:
    """A person's address history: current addresses first, then the newest start first."""
    rows = list(db.session.scalars(select(PersonAddress).where(PersonAddress.person_id == person_id)))
    day = today()
    return sorted(
        rows,
        key=lambda row: (
            not row.current_on(day),
            -(row.start_date or date.min).toordinal(),
            -row.id,
        ),
    )


def find_places(text: str, limit: int = 20) -> list[Place]:
    """Places whose postcode or address contains the text, for choosing an address."""
    words = (text or "").strip()
    if not words:
        return []
    postcode = normalise_postcode(words)
    conditions = [Place.display_address.ilike(f"%{_escape_like(part)}%", escape="\\") for part in words.split()]
    query = select(Place).where(or_(Place.postcode == postcode, and_(*conditions)))
    return list(db.session.scalars(query.order_by(Place.display_address).limit(limit)))


def normalise_postcode(value: str) -> str:
    """A postcode as places store it: upper case, one space before the last three characters."""
    compact = re.sub(r"\s", "", value or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


# --- relationships --------------------------------------------------------------------------------------------


@dataclass
class RelationshipLine:
    """A relationship as one person's page shows it: "<label> <other person>"."""

    relationship: PersonRelationship
    label: str
    other: Person

    @property
    def current(self) -> bool:
        return self.relationship.end_date is None or self.relationship.end_date >= today()


def add_relationship(
    person: Person,
    other_id: int | None,
    relationship_type_id: int | None,
    person_is_a: bool = True,
    start_date: date | None = None,
    end_date: date | None = None,
    note: str = "",
) -> PersonRelationship:
    """Record that the person is <type's label> the other person (or, with person_is_a False, the other way)."""
    authorize(EDIT)
    _open(person)
    other = db.session.get(Person, other_id) if other_id else None
    if other is None or other.merged_into_id is not None:
        raise PeopleError("other_id", "Enter the record number of the other person")
    if other.id == person.id:
        raise PeopleError("other_id", "A person cannot be related to themselves: enter someone else's record number")
    kind = db.session.get(PersonRelationshipType, relationship_type_id) if relationship_type_id else None
    if kind is None or not kind.active:
        raise PeopleError("relationship_type_id", "Select a relationship")
    if start_date and end_date and end_date < start_date:
        raise PeopleError("end_date", "The end date must be the same as or after the start date")
    a, b = (person, other) if person_is_a else (other, person)
    row = PersonRelationship(
        person_a_id=a.id,
        person_b_id=b.id,
        relationship_type_id=kind.id,
        start_date=start_date,
        end_date=end_date,
        note=(note or "").strip(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def end_relationship(person: Person, relationship_id: int, end_date: date | None) -> PersonRelationship:
    authorize(EDIT)
    _open(person)
    row = _get(PersonRelationship, relationship_id)
    if person.id not in (row.person_a_id, row.person_b_id):
        raise NotFound()
    if end_date is None:
        raise PeopleError("end_date", "Enter the date the relationship ended")
    return _end(row, end_date)


def relationships_of(person_id: int) -> list[RelationshipLine]:
    """The person's relationships, each labelled from their side: "parent of Sam" here, "child of Jo" on Sam's page."""
    rows = db.session.scalars(
        select(PersonRelationship).where(
            or_(PersonRelationship.person_a_id == person_id, PersonRelationship.person_b_id == person_id)
        )
    )
    lines = [
        RelationshipLine(row, row.relationship_type.label_a, row.person_b)
        if row.person_a_id == person_id
        else RelationshipLine(row, row.relationship_type.label_b, row.person_a)
        for row in rows
    ]
    return sorted(lines, key=lambda line: (not line.current, line.other.last_name, line.other.first_names))


# --- workers and teams --------------------------------------------------------------------------------------


def assign_worker(
    person: Person, user_id: int | None, role_id: int | None, start_date: date | None, end_date: date | None = None
) -> PersonWorker:
    """Assign a member of staff to work with the person; while current, they see sensitive fields."""
    authorize(MANAGE_WORKERS)
    _open(person)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        raise PeopleError("user_id", "Select a member of staff")
    role = db.session.get(LookupValue, role_id) if role_id else None
    if role is None or role.list_code != "people.worker_role" or not role.active:
        raise PeopleError("role_id", "Select a role")
    start_date = start_date or today()
    if end_date and end_date < start_date:
        raise PeopleError("end_date", "The end date must be the same as or after the start date")
    for row in workers_of(person.id):
        if (row.user_id, row.role_id) == (user.id, role.id) and _overlaps(
            start_date, end_date, row.start_date, row.end_date
        ):
            raise PeopleError("user_id", f"{user.name} is already {role.label.lower()} for this person then")
    row = PersonWorker(person_id=person.id, user_id=user.id, role_id=role.id, start_date=start_date, end_date=end_date)
    db.session.add(row)
    db.session.flush()
    return row


def end_worker(person: Person, worker_id: int, end_date: date | None) -> PersonWorker:
    authorize(MANAGE_WORKERS)
    _open(person)
    row = _get(PersonWorker, worker_id)
    if row.person_id != person.id:
        raise NotFound()
    return _end(row, end_date or today())


def add_team(
    person: Person, team_id: int | None, start_date: date | None, end_date: date | None = None
) -> PersonTeam:
    """Record that a team works with the person; while current, its members see sensitive fields."""
    authorize(MANAGE_WORKERS)
    _open(person)
    team = db.session.get(Team, team_id) if team_id else None
    if team is None or not team.active:
        raise PeopleError("team_id", "Select a team")
    start_date = start_date or today()
    if end_date and end_date < start_date:
        raise PeopleError("end_date", "The end date must be the same as or after the start date")
    for row in teams_of(person.id):
        if row.team_id == team.id and _overlaps(start_date, end_date, row.start_date, row.end_date):
            raise PeopleError("team_id", f"{team.name} already works with this person then")
    row = PersonTeam(person_id=person.id, team_id=team.id, start_date=start_date, end_date=end_date)
    db.session.add(row)
    db.session.flush()
    return row


def end_team(person: Person, link_id: int, end_date: date | None) -> PersonTeam:
    authorize(MANAGE_WORKERS)
    _open(person)
    row = _get(PersonTeam, link_id)
    if row.person_id != person.id:
        raise NotFound()
    return _end(row, end_date or today())


def workers_of(person_id: int) -> list[PersonWorker]:
    return list(
        db.session.scalars(
            select(PersonWorker)
            .where(PersonWorker.person_id == person_id)
            .order_by(PersonWorker.end_date.desc().nulls_first(), PersonWorker.start_date.desc())
        )
    )


def teams_of(person_id: int) -> list[PersonTeam]:
    return list(
        db.session.scalars(
            select(PersonTeam)
            .where(PersonTeam.person_id == person_id)
            .order_by(PersonTeam.end_date.desc().nulls_first(), PersonTeam.start_date.desc())
        )
    )


def _current(model: Any, day: date):
    return and_(model.start_date <= day, or_(model.end_date.is_(None), model.end_date >= day))


def works_with(user: Any, person_id: int) -> bool:
    """Whether the user is a current assigned worker, or a member of an active team currently working with the person."""
    if user is None or getattr(user, "id", None) is None:
        return False
    day = today()
    assigned = exists().where(
        PersonWorker.person_id == person_id, PersonWorker.user_id == user.id, _current(PersonWorker, day)
    )
    in_team = exists().where(
        PersonTeam.person_id == person_id,
        _current(PersonTeam, day),
        Team.id == PersonTeam.team_id,
        Team.active.is_(True),
        TeamMember.team_id == Team.id,
        TeamMember.user_id == user.id,
    )
    return bool(db.session.scalar(select(or_(assigned, in_team))))


def assignable_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))


# --- merging ------------------------------------------------------------------------------------------------


def merge_people(target: Person, source: Person) -> Person:
    """Merge a duplicate (source) into the record to keep (target), moving every part of its history.

    The source keeps its row, marked as merged, so links to it still resolve; modules hear ``person_merged``
    and re-point their own records.
    """
    authorize(MERGE)
    if target.id == source.id:
        raise PeopleError("source_id", "Choose a different record: a record cannot be merged into itself")
    if source.merged_into_id is not None:
        raise PeopleError("source_id", f"Record {source.id} was already merged into record {source.merged_into_id}")
    if target.merged_into_id is not None:
        raise PeopleError("source_id", f"Record {target.id} was merged into record {target.merged_into_id}: merge into that")
    _open(target)
    _open(source)
    moved: dict[str, int] = {}

    # contact details: the same type and value once
    kept = contact_details(target.id)
    have = {(row.contact_type_id, row.value) for row in kept}
    has_preferred = any(row.preferred for row in kept)
    moved["contact_details"] = 0
    for row in contact_details(source.id):
        if (row.contact_type_id, row.value) in have:
            db.session.delete(row)
            continue
        row.person_id = target.id
        row.preferred = row.preferred and not has_preferred
        have.add((row.contact_type_id, row.value))
        moved["contact_details"] += 1

    # identifiers: the same type and value once; the source's row goes before the target takes it, for uniqueness
    have_ids = {(row.identifier_type_id, row.match_key) for row in identifiers_of(target.id)}
    moved["identifiers"] = 0
    for row in identifiers_of(source.id):
        if (row.identifier_type_id, row.match_key) in have_ids:
            db.session.delete(row)
        else:
            row.person_id = target.id
            have_ids.add((row.identifier_type_id, row.match_key))
            moved["identifiers"] += 1
    db.session.flush()

    # addresses: all history moves; a second current home is ended at the merge, so one home stays current
    day = today()
    target_homes = [r for r in addresses_of(target.id) if r.address_type.code == "home"]
    moved["addresses"] = 0
    for row in addresses_of(source.id):
        same = next(
            (
                r for r in addresses_of(target.id)
                if (r.place_id, r.address_type_id, r.start_date, r.end_date)
                == (row.place_id, row.address_type_id, row.start_date, row.end_date)
            ),
            None,
        )
        if same is not None:
            db.session.delete(row)
            continue
        if row.address_type.code == "home" and any(
            _overlaps(row.start_date, row.end_date, r.start_date, r.end_date) for r in target_homes
        ):
            if row.end_date is None or row.end_date >= day:
                yesterday = date.fromordinal(day.toordinal() - 1)
                row.end_date = max(yesterday, row.start_date or yesterday)
            row.note = f"{row.note} (ended when record {source.id} was merged)".strip()
        row.person_id = target.id
        moved["addresses"] += 1

    # relationships: re-pointed; one between the two duplicates means nothing once they are one record
    moved["relationships"] = 0
    for line in relationships_of(source.id):
        row = line.relationship
        if line.other.id == target.id:
            db.session.delete(row)
            continue
        if row.person_a_id == source.id:
            row.person_a_id = target.id
        else:
            row.person_b_id = target.id
        moved["relationships"] += 1

    # previous names, and the source's own name if it differs
    moved["previous_names"] = db.session.execute(
        update(PersonPreviousName).where(PersonPreviousName.person_id == source.id).values(person_id=target.id)
    ).rowcount
    known = {normalise_name(target.full_name)} | {normalise_name(r.full_name) for r in previous_names(target.id)}
    if normalise_name(source.full_name) not in known:
        db.session.add(
            PersonPreviousName(
                person_id=target.id,
                first_names=source.first_names,
                last_name=source.last_name,
                reason=f"Name on record {source.id}, merged into this record",
            )
        )

    # workers and teams keep their dates
    moved["workers"] = db.session.execute(
        update(PersonWorker).where(PersonWorker.person_id == source.id).values(person_id=target.id)
    ).rowcount
    moved["teams"] = db.session.execute(
        update(PersonTeam).where(PersonTeam.person_id == source.id).values(person_id=target.id)
    ).rowcount

    # the kept record takes what it lacked, and stays restricted if either was
    for name in ("title", "preferred_name", "date_of_birth", "date_of_death", *DEMOGRAPHIC_LISTS):
        if getattr(target, name) in (None, "") and getattr(source, name) not in (None, ""):
            setattr(target, name, getattr(source, name))
    target.restricted = target.restricted or source.restricted
    target.interpreter_required = target.interpreter_required or source.interpreter_required
    if source.safeguarding_notes:
        target.safeguarding_notes = "\n\n".join(
            part for part in (target.safeguarding_notes, f"From record {source.id}: {source.safeguarding_notes}") if part
        )
    source.merged_into_id = target.id
    db.session.flush()
    refresh_search_name(target)
    db.session.flush()
    db.session.expire_all()  # bulk updates above bypassed the identity map
    audit.record(
        "merge", "person", target.id, person_id=target.id, details={"source_id": source.id, "moved": moved}
    )
    audit.record("merge", "person", source.id, person_id=source.id, details={"merged_into_id": target.id})
    _emit("person_merged", target=target, source=source)
    return target


def merged_into(person: Person) -> int:
    """The record a merged record's history now lives on, following merges of merges."""
    seen = set()
    while person.merged_into_id is not None and person.id not in seen:
        seen.add(person.id)
        person = _get(Person, person.merged_into_id)
    return person.id


def merged_from(person_id: int) -> list[Person]:
    return list(db.session.scalars(select(Person).where(Person.merged_into_id == person_id).order_by(Person.id)))


# --- timeline ---------------------------------------------------------------------------------------------------


@dataclass
class Timeline:
    """A person's timeline, newest first, possibly filtered to one module, with the modules it draws on."""

    entries: list[TimelineEntry]
    #: (module name, label, number of entries) for each module with entries
    modules: list[tuple[str, str, int]]
    selected: str | None

    @property
    def labels(self) -> dict[str, str]:
        return {name: label for name, label, _count in self.modules}


def _sort_key(entry: TimelineEntry) -> datetime:
    when = entry.when
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=LONDON)
    return datetime.combine(when, time.min, tzinfo=LONDON)


def timeline(person_id: int, module: str | None = None) -> Timeline:
    """Every module's entries for the person, collected in load order and shown newest first."""
    system = current_app.extensions["ppp"]
    entries: list[TimelineEntry] = []
    for _owner, result in system.collect("timeline_entries", person_id=person_id):
        entries.extend(result or [])
    entries.sort(key=_sort_key, reverse=True)
    labels = {m.name: m.info.label for m in system.loaded}
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.module] = counts.get(entry.module, 0) + 1
    modules = [(name, labels.get(name, name.replace("_", " ").capitalize()), count) for name, count in counts.items()]
    modules.sort(key=lambda item: item[1])
    if module:
        entries = [entry for entry in entries if entry.module == module]
    return Timeline(entries, modules, module or None)


def own_timeline_entries(person_id: int) -> list[TimelineEntry]:
    """The people area's part of the timeline: the record's creation, addresses, relationships and merges."""
    from flask import url_for

    person = db.session.get(Person, person_id)
    if person is None:
        return []
    entries = [TimelineEntry(person.created_at, "people", "created", "Record created")]
    for row in addresses_of(person_id):
        if row.start_date:
            entries.append(
                TimelineEntry(row.start_date, "people", "address_started", f"{row.address_type.label} address: {row.place.label}")
            )
        if row.end_date and row.end_date <= today():
            entries.append(
                TimelineEntry(row.end_date, "people", "address_ended", f"{row.address_type.label} address ended: {row.place.label}")
            )
    for line in relationships_of(person_id):
        if line.relationship.start_date:
            entries.append(
                TimelineEntry(
                    line.relationship.start_date,
                    "people",
                    "relationship_started",
                    f"Became {line.label} {line.other.display_name}",
                    url_for("people.show", person_id=line.other.id),
                )
            )
    for source in merged_from(person_id):
        entries.append(
            TimelineEntry(
                source.updated_at, "people", "merged", f"Record {source.id} ({source.full_name}) merged into this record"
            )
        )
    return entries


# --- opening a person's page ------------------------------------------------------------------------------------


@dataclass
class PersonPage:
    """Everything the person page shows, gathered once."""

    person: Person
    previous_names: list[PersonPreviousName]
    contact_details: list[PersonContactDetail]
    identifiers: list[PersonIdentifier]
    addresses: list[PersonAddress]
    relationships: list[RelationshipLine]
    workers: list[PersonWorker]
    teams: list[PersonTeam]
    timeline: Timeline
    #: (tab, its HTML) for each module tab the user may see
    tabs: list[tuple[Any, Markup]]
    #: the audit of who opened or changed the record; None without people.audit.view
    accesses: list | None
    merged_from: list[Person] = field(default_factory=list)
    sees_sensitive: bool = False


def get_person(person_id: int) -> Person:
    """A person the acting user may open, for forms; merged records are refused with where they went."""
    authorize(VIEW)
    person = _get(Person, person_id)
    if person.merged_into_id is not None:
        raise MergedRecord(person, merged_into(person))
    access.check_record_access(person.id, person.restricted)
    return person


def person_page(person_id: int, module: str | None = None) -> PersonPage:
    """Open a person's page: check access (break-glass for restricted records), audit the view, gather the page."""
    person = get_person(person_id)
    audit.record_view("person", person.id, person_id=person.id)
    tabs = [
        (tab, Markup(tab.render(person)))
        for tab in current_app.extensions["ppp"].tabs
        if tab.record == "person" and can(tab.permission)
    ]
    return PersonPage(
        person=person,
        previous_names=previous_names(person.id),
        contact_details=contact_details(person.id),
        identifiers=identifiers_of(person.id),
        addresses=addresses_of(person.id),
        relationships=relationships_of(person.id),
        workers=workers_of(person.id),
        teams=teams_of(person.id),
        timeline=timeline(person.id, module),
        tabs=tabs,
        accesses=audit.accesses_for_person(person.id) if can(SEE_ACCESSES) else None,
        merged_from=merged_from(person.id),
        sees_sensitive=access.can_see_sensitive(person.id),
    )


# --- search -------------------------------------------------------------------------------------------------


@dataclass
class SearchCriteria:
    """What a search asks for; every part given must match."""

    name: str = ""
    date_of_birth: date | None = None
    identifier: str = ""
    postcode: str = ""
    #: also find names spelt a little differently (PostgreSQL); used anyway when a name matches no one exactly
    similar: bool = False

    def given(self) -> dict[str, str]:
        """The parts given, as text for the audit."""
        parts = {
            "name": self.name.strip(),
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else "",
            "identifier": self.identifier.strip(),
            "postcode": self.postcode.strip(),
        }
        return {key: value for key, value in parts.items() if value}


@dataclass
class SearchPage:
    """One page of search results, with whether there are more; the total is not counted, to keep search fast."""

    people: list[Person]
    page: int
    per_page: int
    has_next: bool
    #: each person's current home address, by person id
    homes: dict[int, Place] = field(default_factory=dict)
    #: names spelt a little differently were included, closest first
    similar: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def supports_similar_names() -> bool:
    """Whether the database can match misspelt names (PostgreSQL with pg_trgm)."""
    return db.session.get_bind().dialect.name == "postgresql"


def _word_binds(index: int, word: str | None = None) -> tuple[Any, Any]:
    """The word typed at ``index`` and its LIKE pattern as named parameters, so a statement built once serves any
    words (page_query passes the values)."""
    pattern = None if word is None else f"%{_escape_like(word)}%"
    return (bindparam(f"search_word_{index}", word, type_=Text),
            bindparam(f"search_pattern_{index}", pattern, type_=Text))


def _word_params(words: list[str]) -> dict[str, str]:
    parameters = {}
    for index, word in enumerate(words):
        parameters[f"search_word_{index}"] = word
        parameters[f"search_pattern_{index}"] = f"%{_escape_like(word)}%"
    return parameters


def _word_condition(word, pattern, similar: bool, column):
    """The column contains the word typed; with similar, or is like it (pg_trgm's word similarity)."""
    contains = column.like(pattern, escape="\\")
    return or_(contains, column.op("%>")(word)) if similar else contains


def name_condition(name: str, similar: bool = False, column=None):
    """Every word of the name must appear in the search key; with similar, a near miss ("smyth") also matches."""
    column = Person.search_name if column is None else column
    return and_(*[_word_condition(word, f"%{_escape_like(word)}%", similar, column)
                  for word in normalise_name(name).split()])


def _key_words():
    # written out, not a bound parameter, so PostgreSQL matches the expression of ix_person_search_words
    return func.string_to_array(Person.search_name, literal_column("' '"))


def _closeness(word, pattern):
    """How alike the word typed is to the person's closest matching name word (0 to 1), for closest first."""
    key_word = func.unnest(_key_words()).column_valued("key_word")
    return (
        select(func.max(func.word_similarity(word, key_word)))
        .where(_word_condition(word, pattern, True, key_word))
        .scalar_subquery()
    )


def search_query(criteria: SearchCriteria, similar: bool = False):
    """The SELECT of everyone a search finds, in result order, without paging; merged records are left out.

    On PostgreSQL each word typed is first looked up in the small table of known name words (PersonNameWord:
    containing it, or like it when similar), then people having one of those words are found by exact word
    through ix_person_search_words; SQLite compares the search key itself.
    """
    query = select(Person).where(Person.merged_into_id.is_(None))
    order = [Person.last_name, Person.first_names, Person.id]
    words = normalise_name(criteria.name).split()
    if words and supports_similar_names():
        # Ordering by the bare column would let PostgreSQL walk the name-order index instead, hoping to meet a page
        # of matches early: for a family name such as "smith" it reads most of the table before reaching the S's
        # (seconds over a million people). "|| ''" keeps the order and rules that plan out.
        order[0] = Person.last_name.op("||")(literal(""))
        binds = [_word_binds(index, word) for index, word in enumerate(words)]
        for word, pattern in binds:
            known = select(func.array_agg(PersonNameWord.word)).where(
                _word_condition(word, pattern, similar, PersonNameWord.word)
            )
            query = query.where(_key_words().op("&&")(known.scalar_subquery()))
        if similar:
            closeness = [_closeness(word, pattern) for word, pattern in binds]
            order.insert(0, sum(closeness[1:], closeness[0]).desc())
    elif words:
        query = query.where(name_condition(criteria.name))
    if criteria.date_of_birth is not None:
        query = query.where(Person.date_of_birth == criteria.date_of_birth)
    if criteria.identifier.strip():
        query = query.where(
            exists().where(
                PersonIdentifier.person_id == Person.id,
                PersonIdentifier.match_key == identifiers.match_key(criteria.identifier),
            )
        )
    if criteria.postcode.strip():
        query = query.where(
            exists().where(
                PersonAddress.person_id == Person.id,
                Place.id == PersonAddress.place_id,
                Place.postcode == normalise_postcode(criteria.postcode),
            )
        )
    return query.order_by(*order)


def _one_word_statement(similar: bool):
    """One page of the people found by a single word typed (PostgreSQL), in search_query's order; the word, its LIKE
    pattern, the page's limit and offset, and offset + limit are parameters (see page_query).

    The words matching it are found in PersonNameWord; then each word's first offset + limit people in name order
    are read from PersonNameEntry's primary key, which lists them in that order, so no big set of matches is
    sorted ("smith": 13,000 people). The page is among those: someone on it is, for the word that found them
    (the closest, when similar), behind fewer than offset + limit people on that word's list, as each of those
    comes before them in the results too.
    """
    entry = PersonNameEntry.__table__
    word, pattern = _word_binds(0)
    columns = [PersonNameWord.word]
    if similar:
        columns.append(func.word_similarity(word, PersonNameWord.word).label("closeness"))
    matched = select(*columns).where(_word_condition(word, pattern, similar, PersonNameWord.word)).cte("matched")
    firsts = (
        select(entry.c.person_id, entry.c.last_name, entry.c.first_names)
        .where(entry.c.word == matched.c.word)
        .order_by(entry.c.last_name, entry.c.first_names, entry.c.person_id)
        .limit(bindparam("search_reach", type_=Integer))
        .lateral("firsts")
    )
    candidates = select(firsts).select_from(matched).join(firsts, true()).distinct()
    if similar:
        # a candidate's closeness is that of their closest matching word, which may not be the one that found them
        found = candidates.subquery("found")
        theirs = entry.alias("theirs")
        candidates = (
            select(found, func.max(matched.c.closeness).label("closeness"))
            .join(theirs, theirs.c.person_id == found.c.person_id)
            .join(matched, matched.c.word == theirs.c.word)
            .group_by(found.c.person_id, found.c.last_name, found.c.first_names)
        )
    found = candidates.subquery("candidates")
    order = [found.c.last_name, found.c.first_names, found.c.person_id]
    if similar:
        order.insert(0, found.c.closeness.desc())
    page = (
        select(found)
        .order_by(*order)
        .limit(bindparam("search_limit", type_=Integer))
        .offset(bindparam("search_offset", type_=Integer))
        .subquery("page")
    )
    order = [Person.last_name, Person.first_names, Person.id]
    if similar:
        order.insert(0, page.c.closeness.desc())
    return (
        select(Person)
        .join(page, page.c.person_id == Person.id)
        .where(Person.merged_into_id.is_(None))
        .order_by(*order)
        .options(lazyload("*"))
    )


#: people read in name order first when every word typed is this short or shorter (PostgreSQL)
SHORT_FRAGMENT = 2
#: how many: a thousand keeps the look quick (a few milliseconds) and is plenty for fragments found all through the
#: alphabet
NAME_ORDER_WINDOW = 1000


def _first_in_name_order(name: str, wanted: int) -> list[int] | None:
    """The ids of the first ``wanted`` people in name order whose names match, if they are all among the first
    NAME_ORDER_WINDOW people in name order, else None.

    Words of one or two letters ("a b", "jo") match a good share of all names: the word tables then list hundreds of
    words and hundreds of thousands of people to sort, while a page of matches is met within the first few hundred
    people in name order.
    """
    window = (
        select(Person.id, Person.last_name, Person.first_names, Person.search_name)
        .where(Person.merged_into_id.is_(None))
        .order_by(Person.last_name, Person.first_names, Person.id)
        .limit(NAME_ORDER_WINDOW)
        .subquery("name_order")
    )
    ids = list(
        db.session.scalars(
            select(window.c.id)
            .where(name_condition(name, column=window.c.search_name))
            .order_by(window.c.last_name, window.c.first_names, window.c.id)
            .limit(wanted)
        )
    )
    return ids if len(ids) == wanted else None


#: statements for a name alone, by number of words and similar, built once: building one costs a few milliseconds,
#: more than running it
_NAME_STATEMENTS: dict[tuple[int, bool], Any] = {}


def page_query(criteria: SearchCriteria, similar: bool, page: int, per_page: int) -> tuple[Any, dict[str, Any]]:
    """The one statement search_people sends for a page, and its parameters: per_page people and one more, to tell
    if there is a next.

    A single word typed, with nothing else, is answered from each matching word's people in name order
    (_one_word_statement); anything else is search_query with a limit. On PostgreSQL a name alone uses a statement
    built once for its number of words.
    """
    offset, limit = (page - 1) * per_page, per_page + 1
    words = normalise_name(criteria.name).split()
    if not (words and set(criteria.given()) == {"name"} and supports_similar_names()):
        return search_query(criteria, similar).limit(limit).offset(offset).options(lazyload("*")), {}
    shape = (len(words), similar)
    if shape not in _NAME_STATEMENTS:
        if len(words) == 1:
            _NAME_STATEMENTS[shape] = _one_word_statement(similar)
        else:
            _NAME_STATEMENTS[shape] = (
                search_query(criteria, similar)
                .limit(bindparam("search_limit", type_=Integer))
                .offset(bindparam("search_offset", type_=Integer))
                .options(lazyload("*"))
            )
    parameters = {**_word_params(words), "search_reach": offset + limit, "search_limit": limit,
                  "search_offset": offset}
    return _NAME_STATEMENTS[shape], parameters


def search_people(criteria: SearchCriteria, page: int = 1, per_page: int = PAGE_SIZE) -> SearchPage:
    """Find people by any part of a name, date of birth, any reference number or postcode; audited.

    Names match exactly (any part, any case); names spelt a little differently are included when asked, or when
    the name matches no one exactly, on databases that can (PostgreSQL).
    """
    authorize(VIEW)
    given = criteria.given()
    if not given:
        raise PeopleError("name", "Enter a name, date of birth, reference number or postcode")
    if "name" in given and not normalise_name(criteria.name):
        raise PeopleError("name", "Enter a name with letters in it")
    page = max(1, page)
    fuzzy = "name" in given and supports_similar_names()

    def run(similar: bool) -> list[Person]:
        if similar:
            # for this transaction only: pg_trgm's default (0.6) misses one-letter slips in short names
            db.session.execute(
                select(func.set_config("pg_trgm.word_similarity_threshold", str(WORD_SIMILARITY), True))
            )
        words = normalise_name(criteria.name).split()
        if (not similar and fuzzy and set(given) == {"name"}
                and max(len(word) for word in words) <= SHORT_FRAGMENT):
            ids = _first_in_name_order(criteria.name, page * per_page + 1)
            if ids is not None:
                ids = ids[(page - 1) * per_page:]
                found = {person.id: person for person in
                         db.session.scalars(select(Person).where(Person.id.in_(ids)).options(lazyload("*")))}
                return [found[person_id] for person_id in ids]
        return list(db.session.scalars(*page_query(criteria, similar, page, per_page)))

    similar = fuzzy and criteria.similar
    people = run(similar)
    if fuzzy and not similar and not people and page == 1:
        similar = True
        people = run(similar)
    audit.record("search", "person", details={**given, "page": page, **({"similar": True} if similar else {})})
    has_next = len(people) > per_page
    people = people[:per_page]
    return SearchPage(people, page, per_page, has_next, _current_homes([p.id for p in people]), similar)


def _current_homes_statement():
    day = bindparam("day", type_=Date)
    return (
        select(PersonAddress.person_id, Place)
        .join(Place, Place.id == PersonAddress.place_id)
        .join(LookupValue, LookupValue.id == PersonAddress.address_type_id)
        .where(
            PersonAddress.person_id.in_(bindparam("person_ids", expanding=True)),
            LookupValue.code == "home",
            or_(PersonAddress.start_date.is_(None), PersonAddress.start_date <= day),
            or_(PersonAddress.end_date.is_(None), PersonAddress.end_date >= day),
        )
    )


#: built once, as each search page asks for it
_CURRENT_HOMES: list[Any] = []


def _current_homes(person_ids: list[int]) -> dict[int, Place]:
    if not person_ids:
        return {}
    if not _CURRENT_HOMES:
        _CURRENT_HOMES.append(_current_homes_statement())
    rows = db.session.execute(_CURRENT_HOMES[0], {"person_ids": person_ids, "day": today()})
    return {person_id: place for person_id, place in rows}
