"""summaries: weekly digest claims

Revision ID: summaries
Revises: stakeholders
Create Date: 2026-12-05 23:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "summaries"
down_revision = "playbooks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "digest_claims",
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", name=op.f("pk_digest_claims")),
    )


def downgrade():
    op.drop_table("digest_claims")
