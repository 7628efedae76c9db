"""Trainings: audience, staff, check-in secret, attendance flags, join requests, outside training, uploads.

Revision ID: 27fa54be9f47
Revises: 93b9ff50ed21
Create Date: 2026-11-22 00:07:55.440269

"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '27fa54be9f47'
down_revision = '93b9ff50ed21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_uploads_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_uploads_storage_key'))
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uploads_owner_id'), ['owner_id'], unique=False)

    op.create_table('join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_join_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_join_requests_training_id_trainings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_join_requests_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests')),
    sa.UniqueConstraint('training_id', 'worker_id', name=op.f('uq_join_requests_training_id_worker_id'))
    )
    op.create_table('outside_trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('induction', 'in_service', 'special', 'degree', 'practice', 'online', native_enum=False, length=32), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('proof_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', native_enum=False, length=32), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hours > 0 AND hours <= 200', name=op.f('ck_outside_trainings_hours_range')),
    sa.ForeignKeyConstraint(['proof_id'], ['uploads.id'], name=op.f('fk_outside_trainings_proof_id_uploads')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_outside_trainings_reviewer_id_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_outside_trainings_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_trainings'))
    )
    with op.batch_alter_table('outside_trainings', schema=None) as batch_op:
        batch_op.create_index('ix_outside_trainings_worker_completed', ['worker_id', 'status', 'completed_on'], unique=False)

    op.create_table('training_audiences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Enum('street', 'community', 'post_type', 'worker', native_enum=False, length=32), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('post_type', sa.Enum('head', 'deputy', 'staff', native_enum=False, length=32), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(scope = 'street' AND street_id IS NOT NULL) OR (scope = 'community' AND community_id IS NOT NULL) OR (scope = 'post_type' AND post_type IS NOT NULL AND street_id IS NOT NULL) OR (scope = 'worker' AND worker_id IS NOT NULL)", name=op.f('ck_training_audiences_scope_has_target')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_training_audiences_community_id_communities')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_training_audiences_street_id_streets')),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_training_audiences_training_id_trainings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_training_audiences_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_audiences'))
    )
    with op.batch_alter_table('training_audiences', schema=None) as batch_op:
        batch_op.create_index('ix_training_audiences_training', ['training_id'], unique=False)

    op.create_table('training_staff',
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_training_staff_training_id_trainings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_staff_user_id_users')),
    sa.PrimaryKeyConstraint('training_id', 'user_id', name=op.f('pk_training_staff'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('left_early', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('reason', sa.String(length=200), nullable=True))
    # Keep what was written: the old free-text note becomes the reason.
    op.execute("UPDATE attendances SET reason = note")
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_column('note')

    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credits_by_time', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('checkin_secret', sa.String(length=64), nullable=True))
    # Existing trainings get their own random secret before the column becomes required.
    conn = op.get_bind()
    trainings = sa.table('trainings', sa.column('id', sa.Integer), sa.column('checkin_secret', sa.String))
    for (training_id,) in conn.execute(sa.select(trainings.c.id)).all():
        conn.execute(
            trainings.update()
            .where(trainings.c.id == training_id)
            .values(checkin_secret=secrets.token_hex(32))
        )
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.alter_column('checkin_secret', existing_type=sa.String(length=64), nullable=False)



def downgrade():
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.drop_column('checkin_secret')
        batch_op.drop_column('credits_by_time')

    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.VARCHAR(length=200), nullable=True))
    op.execute("UPDATE attendances SET note = reason")
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('left_early')
        batch_op.drop_column('late')
        batch_op.drop_column('checked_out_at')
        batch_op.drop_column('scanned_at')

    op.drop_table('training_staff')
    with op.batch_alter_table('training_audiences', schema=None) as batch_op:
        batch_op.drop_index('ix_training_audiences_training')

    op.drop_table('training_audiences')
    with op.batch_alter_table('outside_trainings', schema=None) as batch_op:
        batch_op.drop_index('ix_outside_trainings_worker_completed')

    op.drop_table('outside_trainings')
    op.drop_table('join_requests')
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_owner_id'))

    op.drop_table('uploads')
