"""Mentoring and talks: pairings, sessions, growth plan, talk responsibilities, talks, follow-ups.

Revision ID: 8b5b59aa010c
Revises: ca345fa2eee3
Create Date: 2026-11-22 00:13:35.256081

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b5b59aa010c'
down_revision = 'ca345fa2eee3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('talk_responsibilities',
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_talk_responsibilities_community_id_communities')),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_talk_responsibilities_leader_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('leader_id', 'community_id', name=op.f('pk_talk_responsibilities'))
    )
    op.create_table('growth_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('visit', 'secondment', 'research', 'innovation', native_enum=False, length=32), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('evidence', sa.String(length=500), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_growth_items_updated_by_id_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_growth_items_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_growth_items')),
    sa.UniqueConstraint('worker_id', 'kind', name=op.f('uq_growth_items_worker_id_kind'))
    )
    op.create_table('mentor_pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('goals', sa.String(length=500), nullable=False),
    sa.Column('end_reason', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_mentor_pairings_ends_after_start')),
    sa.CheckConstraint('mentor_id <> mentee_id', name=op.f('ck_mentor_pairings_not_self')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mentor_pairings_created_by_id_users')),
    sa.ForeignKeyConstraint(['mentee_id'], ['worker_profiles.user_id'], name=op.f('fk_mentor_pairings_mentee_id_worker_profiles')),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_mentor_pairings_mentor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_pairings'))
    )
    with op.batch_alter_table('mentor_pairings', schema=None) as batch_op:
        batch_op.create_index('ix_mentor_pairings_mentee', ['mentee_id', 'ends_on'], unique=False)
        batch_op.create_index('ix_mentor_pairings_mentor', ['mentor_id', 'ends_on'], unique=False)

    op.create_table('talks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('concerns', sa.JSON(), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=False),
    sa.Column('help_promised', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_talks_leader_id_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_talks_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talks'))
    )
    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_talks_leader_id'), ['leader_id'], unique=False)
        batch_op.create_index('ix_talks_worker_held', ['worker_id', 'held_on'], unique=False)

    op.create_table('mentor_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Enum('mass_work', 'mobilisation', 'law', 'mediation', 'emergency', 'coordination', 'it', 'policy', 'other', native_enum=False, length=32), nullable=False),
    sa.Column('passed_on', sa.String(length=1000), nullable=False),
    sa.Column('next_step', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reflection', sa.String(length=500), nullable=True),
    sa.CheckConstraint('minutes > 0 AND minutes <= 600', name=op.f('ck_mentor_sessions_minutes_range')),
    sa.ForeignKeyConstraint(['mentee_id'], ['worker_profiles.user_id'], name=op.f('fk_mentor_sessions_mentee_id_worker_profiles')),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_mentor_sessions_mentor_id_users')),
    sa.ForeignKeyConstraint(['pairing_id'], ['mentor_pairings.id'], name=op.f('fk_mentor_sessions_pairing_id_mentor_pairings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_sessions'))
    )
    with op.batch_alter_table('mentor_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_mentor_sessions_mentee_held', ['mentee_id', 'held_on'], unique=False)
        batch_op.create_index('ix_mentor_sessions_pairing_held', ['pairing_id', 'held_on'], unique=False)

    op.create_table('talk_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=300), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'dropped', native_enum=False, length=32), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_talk_follow_ups_talk_id_talks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_talk_follow_ups_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talk_follow_ups'))
    )
    with op.batch_alter_table('talk_follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_talk_follow_ups_worker_status', ['worker_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('talk_follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_talk_follow_ups_worker_status')

    op.drop_table('talk_follow_ups')
    with op.batch_alter_table('mentor_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_sessions_pairing_held')
        batch_op.drop_index('ix_mentor_sessions_mentee_held')

    op.drop_table('mentor_sessions')
    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.drop_index('ix_talks_worker_held')
        batch_op.drop_index(batch_op.f('ix_talks_leader_id'))

    op.drop_table('talks')
    with op.batch_alter_table('mentor_pairings', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_pairings_mentor')
        batch_op.drop_index('ix_mentor_pairings_mentee')

    op.drop_table('mentor_pairings')
    op.drop_table('growth_items')
    op.drop_table('talk_responsibilities')
