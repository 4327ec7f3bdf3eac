"""index certificate.replaces_id: /verify asks for a certificate's replacement on
every view, which scanned the whole table (found by the load benchmark)

Revision ID: a6f66fab2ff6
Revises: 3da3aaa9d332
Create Date: 2026-11-24 04:51:38.907399

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "a6f66fab2ff6"
down_revision = "3da3aaa9d332"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_replaces_id"), ["replaces_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_replaces_id"))
