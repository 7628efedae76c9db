"""Deliveries: index the claim order (status, not_before, id).

A delivery run claims the oldest due rows of one status in (not_before, id) order. With
the index on (status, not_before) alone PostgreSQL sorted every due row for each batch of
20 (150,000 due reminders: a sequential scan and an external sort per claim); with id in
the index the claim reads its 20 rows in order and stops.

Revision ID: c1d2e3f40921
Revises: c1d2e3f40911
Create Date: 2026-12-03 12:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c1d2e3f40921'
down_revision = 'c1d2e3f40911'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_due')
        batch_op.create_index('ix_deliveries_due', ['status', 'not_before', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_due')
        batch_op.create_index('ix_deliveries_due', ['status', 'not_before'], unique=False)
