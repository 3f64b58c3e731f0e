"""A learner can be found again by a resume code typed on another device, or by a sign-in account; a run from a
Train press is kept once, whether the page or the server keeps it first.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("learners", sa.Column("resume_hash", sa.String(64), nullable=True))
    op.add_column("learners", sa.Column("subject", sa.String(600), nullable=True))  # "<issuer> <subject>"
    op.create_index("uq_learners_resume_hash", "learners", ["resume_hash"], unique=True)
    op.create_index("uq_learners_subject", "learners", ["subject"], unique=True)
    op.add_column("runs", sa.Column("origin", sa.String(32), nullable=True))
    op.create_index("uq_runs_learner_id_origin", "runs", ["learner_id", "origin"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_runs_learner_id_origin", "runs")
    op.drop_column("runs", "origin")
    op.drop_index("uq_learners_subject", "learners")
    op.drop_index("uq_learners_resume_hash", "learners")
    op.drop_column("learners", "subject")
    op.drop_column("learners", "resume_hash")
