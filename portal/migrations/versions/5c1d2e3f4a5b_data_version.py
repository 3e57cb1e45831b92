"""data version: one row replaced by every write that changes a public page

Revision ID: 5c1d2e3f4a5b
Revises: 11c81625e685
Create Date: 2026-12-03 10:40:00

"""
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c1d2e3f4a5b'
down_revision = '11c81625e685'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'token': secrets.token_hex(16),
                            'changed_at': datetime.now(UTC).replace(tzinfo=None)}])


def downgrade():
    op.drop_table('data_version')
