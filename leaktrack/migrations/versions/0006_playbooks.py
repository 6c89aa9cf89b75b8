"""playbooks: versions that runs follow, runs on incidents, their checklist items

Revision ID: playbooks
Revises: stakeholders


"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "playbooks"
down_revision = "notifications"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "playbook_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_versions")),
        sa.UniqueConstraint("slug", "version", name=op.f("uq_playbook_versions_slug")),
    )
    op.create_table(
        "playbook_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_playbook_runs_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_playbook_runs_started_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["playbook_versions.id"],
            name=op.f("fk_playbook_runs_version_id_playbook_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_runs")),
        sa.UniqueConstraint("incident_id", "slug", name=op.f("uq_playbook_runs_incident_id")),
    )
    op.create_table(
        "playbook_run_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("due_offset_minutes", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("is_done", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("is_not_applicable", sa.Boolean(), nullable=False),
        sa.Column("not_applicable_reason", sa.Text(), nullable=False),
        sa.Column("is_added_by_hand", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_playbook_run_items_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_playbook_run_items_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["playbook_runs.id"],
            name=op.f("fk_playbook_run_items_run_id_playbook_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_run_items")),
    )
    with op.batch_alter_table("playbook_run_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_playbook_run_items_run_id_position", ["run_id", "position"], unique=False
        )


def downgrade():
    with op.batch_alter_table("playbook_run_items", schema=None) as batch_op:
        batch_op.drop_index("ix_playbook_run_items_run_id_position")

    op.drop_table("playbook_run_items")
    op.drop_table("playbook_runs")
    op.drop_table("playbook_versions")
