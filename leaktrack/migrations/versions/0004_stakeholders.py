"""stakeholders: people, incident links with exposed categories, estimates, imports

Revision ID: stakeholders
Revises: alerts
Create Date: 2026-11-28 12:03:18.012290

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "stakeholders"
down_revision = "alerts"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "stakeholders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("ref_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=True),
        sa.Column("pii", sa.LargeBinary(), nullable=True),
        sa.Column("pii_digest", sa.String(length=32), nullable=True),
        sa.Column("email_index", sa.String(length=32), nullable=True),
        sa.Column("phone_index", sa.String(length=32), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholders")),
        sa.UniqueConstraint("kind", "external_ref", name="uq_stakeholders_kind_external_ref"),
    )
    with op.batch_alter_table("stakeholders", schema=None) as batch_op:
        batch_op.create_index("ix_stakeholders_email_index", ["email_index"], unique=False)
        batch_op.create_index("ix_stakeholders_phone_index", ["phone_index"], unique=False)

    op.create_table(
        "affected_estimates",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("estimated_unidentified", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_affected_estimates_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_affected_estimates")),
    )
    op.create_table(
        "incident_stakeholders",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("category_bits", sa.Integer(), nullable=False),
        sa.Column("linked_via", sa.String(length=20), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unlinked_by_id", sa.Integer(), nullable=True),
        sa.Column("unlink_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_stakeholders_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"], ["users.id"], name=op.f("fk_incident_stakeholders_linked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f("fk_incident_stakeholders_stakeholder_id_stakeholders"),
        ),
        sa.ForeignKeyConstraint(
            ["unlinked_by_id"],
            ["users.id"],
            name=op.f("fk_incident_stakeholders_unlinked_by_id_users"),
        ),
        sa.PrimaryKeyConstraint(
            "incident_id", "stakeholder_id", name=op.f("pk_incident_stakeholders")
        ),
    )
    with op.batch_alter_table("incident_stakeholders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_stakeholders_incident_unlinked",
            ["incident_id", "unlinked_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_incident_stakeholders_stakeholder_id", ["stakeholder_id"], unique=False
        )

    op.create_table(
        "stakeholder_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("encoding", sa.String(length=10), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("errors_csv", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_stakeholder_imports_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_stakeholder_imports_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder_imports")),
    )


def downgrade():

    op.drop_table("stakeholder_imports")
    with op.batch_alter_table("incident_stakeholders", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_stakeholders_stakeholder_id")
        batch_op.drop_index("ix_incident_stakeholders_incident_unlinked")

    op.drop_table("incident_stakeholders")
    op.drop_table("affected_estimates")
    with op.batch_alter_table("stakeholders", schema=None) as batch_op:
        batch_op.drop_index("ix_stakeholders_phone_index")
        batch_op.drop_index("ix_stakeholders_email_index")

    op.drop_table("stakeholders")
