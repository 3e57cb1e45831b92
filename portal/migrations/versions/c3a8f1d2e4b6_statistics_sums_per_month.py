"""statistics over two years at any size: output sums per date and per OPD-month, report totals per
month, indexes for the answer-time medians, each unit's confirmed report days per month

Revision ID: c3a8f1d2e4b6
Revises: 62ea417186cd
Create Date: 2026-12-03 17:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a8f1d2e4b6'
down_revision = '62ea417186cd'
branch_labels = None
depends_on = None


def mode_columns():
    return [sa.Column(f'{mode}_{name}', sa.Integer() if name == 'records' else sa.BigInteger(), nullable=False)
            for mode in ('wfo', 'wfh') for name in ('records', 'output', 'staff', 'due', 'submitted')]


def upgrade():
    op.create_table('output_day_sum',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opds', sa.Integer(), nullable=False),
    *mode_columns(),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_output_day_sum'))
    )
    op.create_table('output_month_total',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('opd_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.Integer(), nullable=False),
    *mode_columns(),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_output_month_total_opd_id_opd'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month', 'opd_id', name=op.f('pk_output_month_total'))
    )
    op.create_table('report_month_total',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('opd_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('within_target', sa.Integer(), nullable=False),
    sa.Column('target_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_report_month_total_opd_id_opd'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month', 'opd_id', 'category', name=op.f('pk_report_month_total'))
    )
    op.create_table('unit_confirmed_days',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('days', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['service_unit.id'], name=op.f('fk_unit_confirmed_days_unit_id_service_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'month', name=op.f('pk_unit_confirmed_days'))
    )
    with op.batch_alter_table('report_timing', schema=None) as batch_op:
        batch_op.create_index('ix_report_timing_answer', ['answer_us', 'day'], unique=False)
        batch_op.create_index('ix_report_timing_opd_answer', ['opd_id', 'answer_us', 'day'], unique=False)
        batch_op.create_index('ix_report_timing_category_answer', ['category', 'answer_us', 'day'], unique=False)

    # Fill the sums from the daily totals already stored.
    from portal.statistik.totals import rebuild_sums

    rebuild_sums(op.get_bind())
    # And the month totals from the report timings (with the response target of the settings).
    from portal.statistik.report_totals import fill_all_months

    fill_all_months(op.get_bind())
    from portal.statistik.report_totals import fill_confirmed_days

    fill_confirmed_days(op.get_bind())


def downgrade():
    with op.batch_alter_table('report_timing', schema=None) as batch_op:
        batch_op.drop_index('ix_report_timing_category_answer')
        batch_op.drop_index('ix_report_timing_opd_answer')
        batch_op.drop_index('ix_report_timing_answer')

    op.drop_table('report_month_total')
    op.drop_table('unit_confirmed_days')

    op.drop_table('output_month_total')
    op.drop_table('output_day_sum')
