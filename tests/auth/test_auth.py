from leaktrack.auth import service
from leaktrack.auth.models import User
from leaktrack.extensions import db
from tests.conftest import PASSWORD, PageClient


def test_login_with_the_right_password_lands_on_incidents(app, make_user):
    _, email = make_user("responder")
    browser = PageClient(app.test_client(), None)
    response = browser.login(email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/incidents")


def test_login_with_a_wrong_password_is_refused_without_saying_which(app, make_user):
    _, email = make_user("responder")
    browser = PageClient(app.test_client(), None)
    response = browser.login(email, "not the password")
    assert response.status_code == 200
    assert "E-mail or password is wrong." in response.get_data(as_text=True)
    assert browser.get("/incidents").status_code == 302


def test_disabled_user_cannot_sign_in(app, make_user):
    user_id, email = make_user("responder")
    with app.app_context():
        db.session.get(User, user_id).is_enabled = False
        db.session.commit()
    assert PageClient(app.test_client(), None).login(email).status_code == 200


def test_a_form_posted_without_csrf_token_is_refused(app, make_user):
    _, email = make_user("responder")
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_login_attempts_are_rate_limited(app, make_user):
    _, email = make_user("responder")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        browser = PageClient(app.test_client(), None)
        addr = {"REMOTE_ADDR": "203.0.113.77"}
        codes = [
            browser.client.post(
                "/login",
                data={"email": email, "password": "x", "csrf_token": browser.csrf},
                environ_base=addr,
            ).status_code
            for _ in range(4)
        ]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    assert codes == [200, 200, 200, 429]


def test_passwords_are_stored_as_argon2_hashes(app, make_user):
    user_id, _ = make_user("responder")
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_api_token_is_stored_hashed_and_works_until_revoked(app, make_user, client):
    user_id, _ = make_user("responder")
    with app.app_context():
        user = db.session.get(User, user_id)
        token = service.create_token(user=user)
        db.session.commit()
        row = user.tokens[0]
        assert token not in row.token_hash
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/incidents", headers=headers).status_code == 200
    with app.app_context():
        service.revoke_token(
            token=db.session.get(service.ApiToken, row.id), actor=db.session.get(User, user_id)
        )
        db.session.commit()
    response = client.get("/api/v1/incidents", headers=headers)
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_api_ignores_the_session_cookie(page_client):
    browser = page_client("admin")
    assert browser.get("/api/v1/incidents").status_code == 401


def test_tokens_create_command_prints_a_working_token(runner, make_user, client):
    _, email = make_user("executive")
    result = runner.invoke(args=["tokens", "create", "--email", email])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("lt_")
    assert (
        client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_users_create_command_reads_the_password_from_stdin(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Ann@Example.test",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert service.authenticate(email="ann@example.test", password="a long enough password")


def test_users_create_command_rejects_a_short_password(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "b@example.test",
            "--role",
            "responder",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert result.exit_code == 1 and "password" in result.output


def test_first_admin_is_created_once(runner, app):
    first = runner.invoke(args=["users", "ensure-admin"])
    assert "password:" in first.output
    password = first.output.split("password:")[1].strip()
    with app.app_context():
        assert (
            service.authenticate(email="admin@leaktrack.local", password=password).role == "admin"
        )
    second = runner.invoke(args=["users", "ensure-admin"])
    assert "no admin created" in second.output


def test_admin_adds_and_disables_a_user_with_audit(page_client, app):
    admin = page_client("admin")
    response = admin.post(
        "/users",
        data={"email": "new@example.test", "role": "executive", "password": "twelve chars long"},
    )
    assert response.status_code == 302
    with app.app_context():
        user = service.get_user_by_email(email="new@example.test")
        user_id = user.id
    assert admin.post(f"/users/{user_id}", data={"role": "executive"}).status_code == 302
    with app.app_context():
        from leaktrack.audit.models import AuditEvent

        assert db.session.get(User, user_id).is_enabled is False
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.seq)]
    assert actions[-2:] == ["user.created", "user.updated"]


def test_login_page_follows_accept_language(client):
    assert "サインイン" in client.get(
        "/login", headers={"Accept-Language": "ja,en;q=0.5"}
    ).get_data(as_text=True)
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(
        as_text=True
    )


def test_a_user_language_choice_sticks(page_client):
    browser = page_client("responder")
    browser.post("/language", data={"language": "ja"})
    page = browser.get("/incidents").get_data(as_text=True)
    assert 'lang="ja"' in page and "インシデント" in page
