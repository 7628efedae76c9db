"""Personal-code steps already used: a worker's code counts at one training's door only.

Revision ID: c1d2e3f40903
Revises: c1d2e3f40902
Create Date: 2026-12-02 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1d2e3f40903'
down_revision = 'c1d2e3f40902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('personal_code_uses',
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_personal_code_uses_training_id_trainings')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_personal_code_uses_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('worker_id', 'step', name=op.f('pk_personal_code_uses'))
    )


def downgrade():
    op.drop_table('personal_code_uses')
