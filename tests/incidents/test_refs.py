"""Reference numbers stay unique when many writers create incidents at once."""

from concurrent.futures import ThreadPoolExecutor

from leaktrack.extensions import db
from leaktrack.incidents import service
from leaktrack.incidents.models import Incident


def test_concurrent_creates_get_distinct_consecutive_refs(app):
    def create(n):
        with app.app_context():
            ref = service.create_incident(actor=None, data={"title": f"parallel {n}"}).ref
            db.session.commit()
            return ref

    with ThreadPoolExecutor(max_workers=8) as pool:
        refs = list(pool.map(create, range(24)))
    assert len(set(refs)) == 24
    assert sorted(int(r[-4:]) for r in refs) == list(range(1, 25))
    with app.app_context():
        assert db.session.query(Incident).count() == 24
