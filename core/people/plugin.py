"""Hook implementations of the people area: its permissions, lists, screens, working relationships and timeline."""

from __future__ import annotations

from core.extensions import hookimpl
from core.people import services
from core.plugins import LookupSeed, MenuItem, ModuleInfo, Permission

# always on: search's word tables follow every flush that changes a person's names
services.install_name_index()

MODULE = ModuleInfo(
    name="people",
    label="People",
    description="Residents, service users, tenants and carers: names, contacts, reference numbers, addresses "
    "and relationships, with one timeline across every module.",
)

#: ONS 2021 Census ethnic groups for England and Wales (19 categories), plus the choice not to say
ETHNICITIES: tuple[tuple[str, str], ...] = (
    ("asian_bangladeshi", "Asian, Asian British or Asian Welsh: Bangladeshi"),
    ("asian_chinese", "Asian, Asian British or Asian Welsh: Chinese"),
    ("asian_indian", "Asian, Asian British or Asian Welsh: Indian"),
    ("asian_pakistani", "Asian, Asian British or Asian Welsh: Pakistani"),
    ("asian_other", "Asian, Asian British or Asian Welsh: Other Asian"),
    ("black_african", "Black, Black British, Black Welsh, Caribbean or African: African"),
    ("black_caribbean", "Black, Black British, Black Welsh, Caribbean or African: Caribbean"),
    ("black_other", "Black, Black British, Black Welsh, Caribbean or African: Other Black"),
    ("mixed_white_asian", "Mixed or Multiple ethnic groups: White and Asian"),
    ("mixed_white_black_african", "Mixed or Multiple ethnic groups: White and Black African"),
    ("mixed_white_black_caribbean", "Mixed or Multiple ethnic groups: White and Black Caribbean"),
    ("mixed_other", "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups"),
    ("white_british", "White: English, Welsh, Scottish, Northern Irish or British"),
    ("white_irish", "White: Irish"),
    ("white_gypsy_irish_traveller", "White: Gypsy or Irish Traveller"),
    ("white_roma", "White: Roma"),
    ("white_other", "White: Other White"),
    ("other_arab", "Other ethnic group: Arab"),
    ("other_any", "Other ethnic group: Any other ethnic group"),
    ("not_stated", "Prefers not to say"),
)


@hookimpl
def register_permissions():
    return [
        Permission("people.view", "Find people and open their records", ("caseworker", "section_manager", "read_only")),
        Permission("people.create", "Add people", ("caseworker", "section_manager")),
        Permission(
            "people.edit",
            "Change people's details, contacts, reference numbers, addresses and relationships",
            ("caseworker", "section_manager"),
        ),
        Permission("people.merge", "Merge two records of the same person", ("section_manager",)),
        Permission(
            "people.workers.manage",
            "Assign staff and teams to work with a person (which lets them see sensitive fields)",
            ("section_manager",),
        ),
        Permission("people.identifier_types.manage", "Add and change the kinds of reference number people have"),
        Permission("people.relationship_types.manage", "Add and change the kinds of relationship between people"),
    ]


@hookimpl
def register_lookups():
    return [
        LookupSeed(
            "people.gender",
            "Gender",
            [
                ("female", "Female"),
                ("male", "Male"),
                ("non_binary", "Non-binary"),
                ("other", "Another gender"),
                ("not_stated", "Prefers not to say"),
            ],
        ),
        LookupSeed("people.ethnicity", "Ethnic group", ETHNICITIES, "The ONS 2021 Census categories."),
        LookupSeed(
            "people.disability",
            "Disability",
            [
                ("limited_a_lot", "Yes, day-to-day activities limited a lot"),
                ("limited_a_little", "Yes, day-to-day activities limited a little"),
                ("no", "No"),
                ("not_stated", "Prefers not to say"),
            ],
            "Whether a long-term health problem or disability limits day-to-day activities, as the Census asks.",
        ),
        LookupSeed(
            "people.religion",
            "Religion",
            [
                ("none", "No religion"),
                ("christian", "Christian"),
                ("buddhist", "Buddhist"),
                ("hindu", "Hindu"),
                ("jewish", "Jewish"),
                ("muslim", "Muslim"),
                ("sikh", "Sikh"),
                ("other", "Any other religion"),
                ("not_stated", "Prefers not to say"),
            ],
        ),
        LookupSeed(
            "people.sexual_orientation",
            "Sexual orientation",
            [
                ("straight", "Straight or heterosexual"),
                ("gay_lesbian", "Gay or lesbian"),
                ("bisexual", "Bisexual"),
                ("other", "Another sexual orientation"),
                ("not_stated", "Prefers not to say"),
            ],
        ),
        LookupSeed(
            "people.language",
            "Language",
            [
                ("english", "English"),
                ("welsh", "Welsh"),
                ("bsl", "British Sign Language"),
                ("polish", "Polish"),
                ("romanian", "Romanian"),
                ("panjabi", "Panjabi"),
                ("urdu", "Urdu"),
                ("bengali", "Bengali"),
                ("gujarati", "Gujarati"),
                ("arabic", "Arabic"),
                ("portuguese", "Portuguese"),
                ("spanish", "Spanish"),
                ("lithuanian", "Lithuanian"),
                ("somali", "Somali"),
                ("tamil", "Tamil"),
                ("cantonese", "Cantonese"),
                ("mandarin", "Mandarin"),
            ],
            "Preferred languages.",
        ),
        LookupSeed(
            "people.contact_type",
            "Contact type",
            [("phone", "Phone"), ("mobile", "Mobile phone"), ("work_phone", "Work phone"), ("email", "Email")],
            "Codes containing email are checked as email addresses; codes containing phone, mobile or fax as "
            "phone numbers; others are kept as typed.",
        ),
        LookupSeed(
            "people.address_type",
            "Address type",
            [
                ("home", "Home"),
                ("correspondence", "Correspondence"),
                ("previous", "Previous"),
                ("temporary", "Temporary"),
            ],
            "A person has one home address at a time.",
        ),
        LookupSeed(
            "people.worker_role",
            "Worker role",
            [
                ("key_worker", "Key worker"),
                ("social_worker", "Social worker"),
                ("care_coordinator", "Care coordinator"),
                ("housing_officer", "Housing officer"),
                ("support_worker", "Support worker"),
            ],
        ),
    ]


@hookimpl
def register_blueprints():
    from core.people import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.people.blueprint import bp

    return [bp]


@hookimpl
def register_api_blueprints():
    from core.people.api import blp

    return [blp]


@hookimpl
def register_menu_items():
    return [
        MenuItem("People", "people.search", "people.view", order=10),
        MenuItem("Reference number types", "people.identifier_types", "people.identifier_types.manage", order=910,
                 section="admin"),
        MenuItem("Relationship types", "people.relationship_types", "people.relationship_types.manage", order=911,
                 section="admin"),
    ]


@hookimpl
def has_working_relationship(user, person_id):
    from core.people.services import works_with

    return works_with(user, person_id) or None


@hookimpl
def timeline_entries(person_id):
    from core.people.services import own_timeline_entries

    return own_timeline_entries(person_id)


@hookimpl
def load_demo_data():
    from core.people.demo import load_demo_people

    load_demo_people()
