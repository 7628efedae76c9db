"""Street admin: district admins, care-fund applications with proof and decision.

Revision ID: 435a7e52010c
Revises: 8b5b59aa010c
Create Date: 2026-11-22 00:14:22.483493

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '435a7e52010c'
down_revision = '8b5b59aa010c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('care_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upload_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decision_comment', sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_care_records_upload_id_uploads'), 'uploads', ['upload_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_care_records_decided_by_id_users'), 'users', ['decided_by_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_district_id_districts'), 'districts', ['district_id'], ['id'])



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_district_id_districts'), type_='foreignkey')
        batch_op.drop_column('district_id')

    with op.batch_alter_table('care_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_care_records_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_care_records_upload_id_uploads'), type_='foreignkey')
        batch_op.drop_column('decision_comment')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('upload_id')

