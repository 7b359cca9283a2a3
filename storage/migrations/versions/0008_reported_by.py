"""review_request.on_behalf_of: the owner an admin reported a review's figures for

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_behalf_of", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("review_request", schema=None) as batch_op:
        batch_op.drop_column("on_behalf_of")
