"""The demo step: notices that went out with SendGrid's answers, one scheduled, a digest."""

from sqlalchemy import func, select

from leaktrack.audit.service import verify_chain
from leaktrack.extensions import db
from leaktrack.notifications import service
from leaktrack.notifications.models import Delivery, Notification, SentMessage
from leaktrack.summaries import demo


def test_demo_notices_went_out_and_a_digest_waits(app):
    with app.app_context():
        made = demo.run_demo(seed=3, count=16)
        db.session.commit()
        statuses = dict(
            db.session.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            ).all()
        )
        assert statuses["delivered"] > 100 and statuses.get("bounced", 0) > 0
        assert statuses["scheduled"] >= 1  # the one ahead, and the digest
        digest = db.session.scalar(
            select(Notification).where(Notification.template_id == "internal-weekly-digest")
        )
        assert digest is not None and digest.recipient_count >= 1
        assert db.session.scalar(select(func.count()).select_from(SentMessage)) > 0
        notified = [i for i in made if service.first_sent_at(i.id, "affected")]
        assert notified and all(
            service.first_sent_at(i.id, "affected") >= i.aware_at for i in notified if i.aware_at
        )
        assert verify_chain()[1] is None
