"""certificates

Revision ID: ed26deeed4ac
Revises: 390cc4db9d53
Create Date: 2026-11-23 20:57:35.505470

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ed26deeed4ac'
down_revision = '390cc4db9d53'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('learner_name', sa.String(length=200), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('course_title', sa.String(length=200), nullable=False),
    sa.Column('credit_hours', sa.Double(), nullable=False),
    sa.Column('course_version_number', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=500), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_course_id_course')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_certificate_enrollment_id_enrollment')),
    sa.ForeignKeyConstraint(['replaces_id'], ['certificate.id'], name=op.f('fk_certificate_replaces_id_certificate')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_certificate_user_id_user_account')),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_certificate_version_id_course_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_certificate_current_per_enrollment', ['enrollment_id'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))




def downgrade():

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_current_per_enrollment', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_certificate_user_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_enrollment_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_course_id'))

    op.drop_table('certificate')

