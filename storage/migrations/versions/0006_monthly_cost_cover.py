"""monthly_cost: a covering index in the order spend answers group by

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COVER = [
    "month",
    "category",
    "basis",
    "sources",
    "initiative_id",
    "amount_micros",
    "billed_micros",
    "reported_micros",
]


def upgrade() -> None:
    with op.batch_alter_table("monthly_cost", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_cost_month")
        batch_op.create_index("ix_monthly_cost_cover", COVER, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("monthly_cost", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_cost_cover")
        batch_op.create_index("ix_monthly_cost_month", ["month", "initiative_id"], unique=False)
