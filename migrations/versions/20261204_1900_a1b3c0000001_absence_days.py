"""Unexcused absence: one row per working day a worker was absent without leave.

003 §11(5): 连续旷工超过10个工作日，或者1年内累计旷工超过20个工作日 → exit. The street
records the days; the exit-risk list counts runs and yearly totals over them.

Revision ID: a1b3c0000001
Revises: c1d2e3f40921
Create Date: 2026-12-04 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1b3c0000001'
down_revision = 'c1d2e3f40921'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('absence_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_absence_days_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_absence_days_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence_days')),
    sa.UniqueConstraint('worker_id', 'day', name=op.f('uq_absence_days_worker_id_day'))
    )


def downgrade():
    op.drop_table('absence_days')
