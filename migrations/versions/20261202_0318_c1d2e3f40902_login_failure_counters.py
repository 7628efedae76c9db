"""Failed-login counters shared by every server process.

Revision ID: c1d2e3f40902
Revises: c1d2e3f40901
Create Date: 2026-12-02 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1d2e3f40902'
down_revision = 'c1d2e3f40901'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_failure_counters',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_failure_counters')),
    )
    with op.batch_alter_table('login_failure_counters', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_login_failure_counters_expires_at'), ['expires_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('login_failure_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_counters_expires_at'))
    op.drop_table('login_failure_counters')
