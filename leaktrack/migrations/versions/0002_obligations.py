"""obligations: overrides, filings, reminders, states; incident clock events

Revision ID: obligations
Revises: foundation

"""

import sqlalchemy as sa
from alembic import op

revision = "obligations"
down_revision = "foundation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("materiality_determined_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "obligation_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_obligation_overrides_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_obligation_overrides_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_overrides")),
    )
    with op.batch_alter_table("obligation_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_obligation_overrides_incident_id"), ["incident_id"], unique=False
        )
    op.create_table(
        "obligation_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_obligation_filings_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_obligation_filings_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_filings")),
    )
    with op.batch_alter_table("obligation_filings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_obligation_filings_incident_id"), ["incident_id"], unique=False
        )
    op.create_table(
        "obligation_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("obligation_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_obligation_reminders_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_reminders")),
        sa.UniqueConstraint(
            "incident_id",
            "obligation_key",
            "kind",
            name=op.f("uq_obligation_reminders_incident_id"),
        ),
    )
    op.create_table(
        "obligation_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_obligation_states_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_states")),
        sa.UniqueConstraint(
            "incident_id", "rule_id", name=op.f("uq_obligation_states_incident_id")
        ),
    )


def downgrade():
    op.drop_table("obligation_states")
    op.drop_table("obligation_reminders")
    with op.batch_alter_table("obligation_filings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligation_filings_incident_id"))
    op.drop_table("obligation_filings")
    with op.batch_alter_table("obligation_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligation_overrides_incident_id"))
    op.drop_table("obligation_overrides")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("assessed_at")
        batch_op.drop_column("materiality_determined_at")
