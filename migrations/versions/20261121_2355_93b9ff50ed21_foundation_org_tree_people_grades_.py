"""foundation: org tree, people, grades, certificates, trainings, appraisals, care, audit

Revision ID: 93b9ff50ed21
Revises: (none: first revision)
Create Date: 2026-11-21 23:54:00.969361

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '93b9ff50ed21'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('districts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('policy_code', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_districts')),
    sa.UniqueConstraint('name', name=op.f('uq_districts_name'))
    )
    op.create_table('streets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_streets_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_streets')),
    sa.UniqueConstraint('district_id', 'name', name=op.f('uq_streets_district_id_name'))
    )
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_streets_district_id'), ['district_id'], unique=False)

    op.create_table('communities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.CheckConstraint('population IS NULL OR population >= 0', name=op.f('ck_communities_population_nonnegative')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_communities_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communities')),
    sa.UniqueConstraint('street_id', 'name', name=op.f('uq_communities_street_id_name'))
    )
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communities_street_id'), ['street_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('staff_no', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_users_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('phone', name=op.f('uq_users_phone')),
    sa.UniqueConstraint('staff_no', name=op.f('uq_users_staff_no'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_street_id'), ['street_id'], unique=False)

    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=64), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_audit_entries_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('induction', 'in_service', 'special', 'degree', 'practice', 'online', native_enum=False, length=32), nullable=False),
    sa.Column('level', sa.Enum('province', 'city', 'county', 'street', native_enum=False, length=32), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('organiser_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('credited_hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_trainings_capacity_positive')),
    sa.CheckConstraint('credited_hours >= 0', name=op.f('ck_trainings_hours_nonnegative')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_trainings_ends_after_start')),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_trainings_organiser_id_users')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_trainings_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings'))
    )
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.create_index('ix_trainings_street_starts', ['street_id', 'starts_at'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('worker', 'trainer', 'mentor', 'talk_leader', 'street_admin', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_table('worker_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('post_type', sa.Enum('head', 'deputy', 'staff', native_enum=False, length=32), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('community_work_started_on', sa.Date(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('education', sa.Enum('high_school', 'college', 'bachelor', 'master', native_enum=False, length=32), nullable=False),
    sa.Column('party_member', sa.Boolean(), nullable=False),
    sa.Column('hiring_route', sa.Enum('elected', 'recruited', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'seconded', 'exited', native_enum=False, length=32), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=True),
    sa.Column('status_until', sa.Date(), nullable=True),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('exam_eligible_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('grade BETWEEN 1 AND 18', name=op.f('ck_worker_profiles_grade_1_18')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_worker_profiles_community_id_communities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_worker_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_worker_profiles'))
    )
    with op.batch_alter_table('worker_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_worker_profiles_community_status', ['community_id', 'status'], unique=False)

    op.create_table('appraisals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('result', sa.Enum('excellent', 'qualified', 'basic', 'unqualified', native_enum=False, length=32), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score IS NULL OR (score >= 0 AND score <= 100)', name=op.f('ck_appraisals_score_0_100')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_appraisals_year_sane')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_appraisals_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisals')),
    sa.UniqueConstraint('worker_id', 'year', name=op.f('uq_appraisals_worker_id_year'))
    )
    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('credited_on', sa.Date(), nullable=False),
    sa.Column('credited_hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('method', sa.Enum('self_scan', 'trainer_scan', 'manual', 'imported', native_enum=False, length=32), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.CheckConstraint('credited_hours >= 0', name=op.f('ck_attendances_hours_nonnegative')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendances_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_attendances_training_id_trainings')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_attendances_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('training_id', 'worker_id', name=op.f('uq_attendances_training_id_worker_id'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index('ix_attendances_worker_credited', ['worker_id', 'credited_on', 'credited_hours'], unique=False)

    op.create_table('care_entitlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('annual_leave', 'health_check', 'recuperation', 'festival_visit', 'care_fund', 'subsidy', 'certificate_allowance', native_enum=False, length=32), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=8, scale=1), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_care_entitlements_quantity_nonnegative')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_care_entitlements_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_entitlements')),
    sa.UniqueConstraint('worker_id', 'year', 'kind', name=op.f('uq_care_entitlements_worker_id_year_kind'))
    )
    op.create_table('care_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('annual_leave', 'health_check', 'recuperation', 'festival_visit', 'care_fund', 'subsidy', 'certificate_allowance', native_enum=False, length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=10, scale=1), nullable=True),
    sa.Column('status', sa.Enum('applied', 'approved', 'rejected', 'done', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity IS NULL OR quantity >= 0', name=op.f('ck_care_records_quantity_nonnegative')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_care_records_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_records'))
    )
    with op.batch_alter_table('care_records', schema=None) as batch_op:
        batch_op.create_index('ix_care_records_worker_year', ['worker_id', 'year'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('assistant_social_worker', 'social_worker', 'senior_social_worker', 'generalist', 'counsellor', 'other', native_enum=False, length=32), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('issuer', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expires_on IS NULL OR expires_on >= issued_on', name=op.f('ck_certificates_expiry_after_issue')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_certificates_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('kind', 'number', name=op.f('uq_certificates_kind_number'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_worker_id'), ['worker_id'], unique=False)

    op.create_table('grade_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('from_post_type', sa.Enum('head', 'deputy', 'staff', native_enum=False, length=32), nullable=True),
    sa.Column('from_grade', sa.Integer(), nullable=True),
    sa.Column('to_post_type', sa.Enum('head', 'deputy', 'staff', native_enum=False, length=32), nullable=False),
    sa.Column('to_grade', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('to_grade BETWEEN 1 AND 18', name=op.f('ck_grade_changes_to_grade_1_18')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_grade_changes_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker_profiles.user_id'], name=op.f('fk_grade_changes_worker_id_worker_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_changes'))
    )
    with op.batch_alter_table('grade_changes', schema=None) as batch_op:
        batch_op.create_index('ix_grade_changes_worker_date', ['worker_id', 'changed_on'], unique=False)



def downgrade():
    with op.batch_alter_table('grade_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_grade_changes_worker_date')

    op.drop_table('grade_changes')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_worker_id'))

    op.drop_table('certificates')
    with op.batch_alter_table('care_records', schema=None) as batch_op:
        batch_op.drop_index('ix_care_records_worker_year')

    op.drop_table('care_records')
    op.drop_table('care_entitlements')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index('ix_attendances_worker_credited')

    op.drop_table('attendances')
    op.drop_table('appraisals')
    with op.batch_alter_table('worker_profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_worker_profiles_community_status')

    op.drop_table('worker_profiles')
    op.drop_table('user_roles')
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.drop_index('ix_trainings_street_starts')

    op.drop_table('trainings')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_subject')
        batch_op.drop_index(batch_op.f('ix_audit_entries_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))

    op.drop_table('audit_entries')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_street_id'))

    op.drop_table('users')
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communities_street_id'))

    op.drop_table('communities')
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_streets_district_id'))

    op.drop_table('streets')
    op.drop_table('districts')
