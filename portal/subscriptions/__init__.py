"""E-mail subscriptions (/langganan): a visitor follows units, an OPD or a kecamatan and is told
by e-mail when the published status of one of them changes for the coming days; a resident who
asked for it on the report form is told when her report gets a public answer.

Addresses are personal data: never shown on a page, never exported, never in the audit trail;
looked up by a keyed hash; erased on unsubscribe; unconfirmed ones erased after the confirmation
link expired. The tables are private (they never bump the public data version).
"""
