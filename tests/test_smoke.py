"""First checks that the shell works end to end."""

from core.security.demo import DEMO_PASSWORD


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login?next=/" in response.headers["Location"]


def test_user_signs_in_and_sees_home(client, create_user):
    create_user(email="jo@example.org", password="correct horse battery")
    response = client.post("/login", data={"email": "Jo@Example.org ", "password": "correct horse battery"})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert b"Signed in as Test User" in page.data


def test_wrong_password_shows_error_summary(client, create_user):
    create_user(email="jo@example.org", password=DEMO_PASSWORD)
    response = client.post("/login", data={"email": "jo@example.org", "password": "wrong password!!"})
    assert response.status_code == 400
    assert b"There is a problem" in response.data
    assert b"Enter a correct email address and password" in response.data


def test_menu_shows_only_permitted_items(client, login_as):
    login_as("admin.jobs.view", "people.view")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/people/"' in page
    assert 'href="/admin/"' in page  # the bar links to the administration page once
    assert "Jobs" not in page
    administration = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/jobs/"' in administration
    assert "Lookup lists" not in administration
    assert client.get("/admin/lookups/").status_code == 403


def test_staff_without_administration_tasks_get_no_administration_link(client, login_as):
    login_as("people.view")
    assert "Administration" not in client.get("/").get_data(as_text=True)
    assert "You have no administration tasks" in client.get("/admin/").get_data(as_text=True)


def test_pages_carry_council_branding_not_the_crown(client, login_as):
    """The crown, the OGL licence logo and GDS Transport are reserved for gov.uk."""
    login_as()
    page = client.get("/").get_data(as_text=True)
    login = client.get("/login").get_data(as_text=True)

    for html in (page, login):
        assert "govuk-footer__crown" not in html
        assert "govuk-footer__licence-logo" not in html
        assert "govuk-logo" not in html
        assert "Example Council · built on PPP" in html
    assert "GDS Transport" not in (client.get("/static/dist/app.css").get_data(as_text=True))
