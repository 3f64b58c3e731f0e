"""Learners, the browser keys that name them, and their work: runs, predictions, exercise attempts, progress.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def learner_column(primary_key: bool = False) -> sa.Column:
    return sa.Column("learner_id", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE",
                                                                name=None), primary_key=primary_key, nullable=False)


def upgrade() -> None:
    op.create_table("server", sa.Column("name", sa.String(40), primary_key=True),
                    sa.Column("value", sa.String(200), nullable=False))
    op.create_table("learners",
                    sa.Column("id", sa.String(32), primary_key=True),
                    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("seen", sa.DateTime(timezone=True), nullable=False))
    op.create_table("browser_keys",
                    sa.Column("key_hash", sa.String(64), primary_key=True),
                    learner_column(),
                    sa.Column("created", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_browser_keys_learner_id", "browser_keys", ["learner_id"])
    op.create_table("runs",
                    learner_column(primary_key=True),
                    sa.Column("lesson", sa.String(60), primary_key=True),
                    sa.Column("number", sa.Integer, primary_key=True),
                    sa.Column("settings", sa.JSON, nullable=False),
                    sa.Column("curves", sa.JSON, nullable=False),
                    sa.Column("metrics", sa.JSON, nullable=False),
                    sa.Column("status", sa.String(20), nullable=False),
                    sa.Column("message", sa.Text, nullable=False),
                    sa.Column("seconds", sa.Float, nullable=False),
                    sa.Column("device", sa.String(40), nullable=False),
                    sa.Column("pinned", sa.Boolean, nullable=False),
                    sa.Column("created", sa.String(19), nullable=False))
    op.create_table("predictions",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    learner_column(),
                    sa.Column("lesson", sa.String(60), nullable=False),
                    sa.Column("checkpoint", sa.String(100), nullable=False),
                    sa.Column("answer", sa.JSON, nullable=True),
                    sa.Column("asked", sa.Text, nullable=False),
                    sa.Column("truth", sa.Text, nullable=True),
                    sa.Column("correct", sa.Boolean, nullable=True),
                    sa.Column("stale", sa.Boolean, nullable=False),
                    sa.Column("at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_predictions_learner_id", "predictions", ["learner_id"])
    op.create_table("attempts",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    learner_column(),
                    sa.Column("lesson", sa.String(60), nullable=False),
                    sa.Column("exercise", sa.String(100), nullable=False),
                    sa.Column("code", sa.Text, nullable=False),
                    sa.Column("passed", sa.Boolean, nullable=False),
                    sa.Column("message", sa.Text, nullable=False),
                    sa.Column("checks", sa.JSON, nullable=False),
                    sa.Column("printed", sa.Text, nullable=False),
                    sa.Column("trained", sa.JSON, nullable=True),
                    sa.Column("at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_attempts_learner_id", "attempts", ["learner_id"])
    op.create_table("progress",
                    learner_column(primary_key=True),
                    sa.Column("lesson", sa.String(60), primary_key=True),
                    sa.Column("item", sa.String(120), primary_key=True),
                    sa.Column("correct", sa.Boolean, nullable=False),
                    sa.Column("at", sa.DateTime(timezone=True), nullable=False))


def downgrade() -> None:
    for table in ("progress", "attempts", "predictions", "runs", "browser_keys", "learners", "server"):
        op.drop_table(table)
