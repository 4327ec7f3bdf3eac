"""course catalog: courses, versions, modules, lessons, quizzes, questions, images

Revision ID: c54359f3de12
Revises: f2aaa8ccea01
Create Date: 2026-11-23 20:17:11.586806

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c54359f3de12'
down_revision = 'f2aaa8ccea01'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('asset_blob',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_asset_blob'))
    )
    op.create_table('course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course')),
    sa.UniqueConstraint('slug', name=op.f('uq_course_slug'))
    )
    op.create_table('course_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('change_note', sa.String(length=500), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=300), nullable=False),
    sa.Column('credit_hours', sa.Double(), nullable=False),
    sa.Column('estimated_minutes', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('self_enrollment', sa.Boolean(), nullable=False),
    sa.Column('objectives', sa.JSON(), nullable=False),
    sa.Column('completion_rules', sa.JSON(), nullable=False),
    sa.Column('evaluation', sa.JSON(), nullable=False),
    sa.Column('references_md', sa.Text(), nullable=False),
    sa.Column('references_html', sa.Text(), nullable=False),
    sa.CheckConstraint('credit_hours > 0', name=op.f('ck_course_version_credit_hours_positive')),
    sa.CheckConstraint('pass_mark BETWEEN 0 AND 100', name=op.f('ck_course_version_pass_mark_percent')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_version_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_course_version_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_version')),
    sa.UniqueConstraint('course_id', 'number', name=op.f('uq_course_version_course_id'))
    )
    # course and course_version point at each other: the course's pointer to its
    # current version can only be added once both tables exist.
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_course_current_version_id_course_version'), 'course_version', ['current_version_id'], ['id'], ondelete='SET NULL')

    op.create_table('course_asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('media_type', sa.String(length=50), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['asset_blob.sha256'], name=op.f('fk_course_asset_sha256_asset_blob')),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_asset_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_asset')),
    sa.UniqueConstraint('version_id', 'path', name=op.f('uq_course_asset_version_id'))
    )
    op.create_table('module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('objectives', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_module_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module')),
    sa.UniqueConstraint('version_id', 'slug', name=op.f('uq_module_version_id'))
    )
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_version_id'), ['version_id'], unique=False)

    op.create_table('lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('content_note', sa.Text(), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_lesson_module_id_module'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson')),
    sa.UniqueConstraint('module_id', 'slug', name=op.f('uq_lesson_module_id'))
    )
    op.create_table('quiz',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=90), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('shuffle_questions', sa.Boolean(), nullable=False),
    sa.Column('shuffle_answers', sa.Boolean(), nullable=False),
    sa.Column('graded', sa.Boolean(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('module', 'pretest', 'posttest')", name=op.f('ck_quiz_kind_known')),
    sa.CheckConstraint('max_attempts >= 0', name=op.f('ck_quiz_max_attempts_not_negative')),
    sa.CheckConstraint('pass_mark BETWEEN 0 AND 100', name=op.f('ck_quiz_pass_mark_percent')),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_quiz_module_id_module'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_quiz_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz')),
    sa.UniqueConstraint('module_id', name=op.f('uq_quiz_module_id')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_quiz_version_id'))
    )
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_version_id'), ['version_id'], unique=False)

    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_question_quiz_id_quiz'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question')),
    sa.UniqueConstraint('quiz_id', 'slug', name=op.f('uq_question_quiz_id'))
    )



def downgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_course_current_version_id_course_version'), type_='foreignkey')

    op.drop_table('question')
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_version_id'))

    op.drop_table('quiz')
    op.drop_table('lesson')
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_version_id'))

    op.drop_table('module')
    op.drop_table('course_asset')
    op.drop_table('course_version')
    op.drop_table('course')
    op.drop_table('asset_blob')

