"""Delivery leases: a claimed delivery returns to pending when its sender's lease runs out.

Revision ID: c1d2e3f40911
Revises: c1d2e3f40903
Create Date: 2026-12-02 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1d2e3f40911'
down_revision = 'c1d2e3f40903'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
    # Rows left ``sending`` before leases existed have none: the next run claims them.


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
