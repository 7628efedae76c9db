"""Index trainings by end time for upcoming-training lookups.

Revision ID: f928d27bbca5
Revises: 435a7e52010c
Create Date: 2026-11-22 01:54:59.459220

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f928d27bbca5'
down_revision = '435a7e52010c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.create_index('ix_trainings_ends_at', ['ends_at'], unique=False)



def downgrade():
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.drop_index('ix_trainings_ends_at')

