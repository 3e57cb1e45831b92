"""an index of the days of confirmed reports, for the kept on-site days of /statistik

Revision ID: c3a8f1d2e4b6
Revises: 62ea417186cd
Create Date: 2026-12-03 17:35:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a8f1d2e4b6'
down_revision = '62ea417186cd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_confirmed_day', ['status', 'is_spam', 'visited_on', 'unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_confirmed_day')
