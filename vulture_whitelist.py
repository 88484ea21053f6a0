"""Names vulture cannot see used (``make lint`` runs vulture with this file as one of its paths).

Django, ninja and the templates use code by name: model, form and schema fields; attributes saved with
``update_fields``; context processors and handler hooks named in settings; openpyxl style attributes.
They are listed here per module. A new entry in the first part needs the reason above to hold; vulture's
``ignore_names`` in pyproject.toml covers the conventions (Meta, urlpatterns, handle, resolve_*, …).
"""

# ruff: noqa: B018, F821

# --- used by name, not by a Python call ---------------------------------------------------------
# src/tongxin/accounts/context.py
navigation  # unused function
# src/tongxin/accounts/forms.py
error_messages  # unused variable
old_password  # unused variable
new_password2  # unused variable
# src/tongxin/accounts/models.py
granted_at  # unused variable
granted_by  # unused variable
last_used_at  # unused variable
# src/tongxin/cases/api.py
category_name  # unused variable
state_label  # unused variable
region_name  # unused variable
handling_org_name  # unused variable
assignee_name  # unused variable
event_label  # unused variable
avg_rating  # unused variable
read_at  # unused variable
org_name  # unused variable
# src/tongxin/cases/models.py
APPEAL  # unused variable
rule_article  # unused variable
rule_verified  # unused variable
_.deadline_text  # unused method
FINAL_STATES  # unused variable
accept_escalated_at  # unused variable
confirmed_at  # unused variable
due_at  # unused variable
target_path  # unused variable
author  # unused variable
instance  # unused variable
recipient  # unused variable
read_at  # unused variable
OTHER  # unused variable
# src/tongxin/cases/selectors.py
avg_rating  # unused variable
service_records  # unused variable
# src/tongxin/cases/services/_base.py
HANDLER_EVENTS  # unused variable
# src/tongxin/core/checks.py
app_configs  # unused variable
# src/tongxin/core/context.py
user_agent  # unused variable
# src/tongxin/core/handlers.py
_.load_middleware  # unused method
is_async  # unused variable
_._middleware_chain  # unused attribute
# src/tongxin/core/models.py
acquired_at  # unused variable
updated_at  # unused variable
# src/tongxin/core/pii.py
expression  # unused variable
# src/tongxin/orgs/api.py
action_label  # unused variable
formal_members  # unused variable
probationary_members  # unused variable
stage_label  # unused variable
membership_status  # unused variable
membership_org_id  # unused variable
activist_on  # unused variable
candidate_on  # unused variable
from_org_id  # unused variable
received_on  # unused variable
# src/tongxin/orgs/excel.py
EXPORTERS  # unused variable
# src/tongxin/orgs/models.py
CITY  # unused variable
GRID  # unused variable
TWO_NEW_COMMITTEE  # unused variable
MEMBER_DEPARTMENT  # unused variable
INDUSTRY_COMMITTEE  # unused variable
GENERAL_BRANCH  # unused variable
PLATFORM_STATION  # unused variable
COMPANY  # unused variable
TAXI_COMPANY  # unused variable
FREIGHT_COMPANY  # unused variable
COURIER  # unused variable
RIDE_HAILING  # unused variable
SOCIAL_ORG  # unused variable
OTHER  # unused variable
DELIVERY  # unused variable
EXPRESS  # unused variable
FREIGHT  # unused variable
IT  # unused variable
MALE  # unused variable
FEMALE  # unused variable
DELIVERY_RIDER  # unused variable
RIDE_HAILING_DRIVER  # unused variable
TAXI_DRIVER  # unused variable
FREIGHT_DRIVER  # unused variable
FARMER  # unused variable
EMPLOYEE  # unused variable
SELF_EMPLOYED  # unused variable
STUDENT  # unused variable
RETIRED  # unused variable
ACTIVIST  # unused variable
CANDIDATE  # unused variable
activist_on  # unused variable
candidate_on  # unused variable
DEPUTY  # unused variable
MEMBER  # unused variable
IN_TRANSIT  # unused variable
to_org_path  # unused variable
received_on  # unused variable
# src/tongxin/orgs/services/members.py
_.updated_at  # unused attribute
# src/tongxin/orgs/services/registry.py
may_edit_region  # unused variable
_.updated_at  # unused attribute
# src/tongxin/points/api.py
cap_person_month  # unused variable
cap_person_quarter  # unused variable
cap_person_year  # unused variable
cap_household_month  # unused variable
cap_household_quarter  # unused variable
cap_household_year  # unused variable
person_name  # unused variable
reviewed_by_id  # unused variable
scheme_name  # unused variable
goods_name  # unused variable
month_label  # unused variable
# src/tongxin/points/forms.py
items_file  # unused variable
field_order  # unused variable
# src/tongxin/points/items_xlsx.py
_.alignment  # unused attribute
_.number_format  # unused attribute
_.freeze_panes  # unused attribute
# src/tongxin/points/models/boards.py
published_by  # unused variable
# src/tongxin/points/models/claims.py
recorded_at  # unused variable
reviewed_at  # unused variable
finalised_at  # unused variable
raised_by  # unused variable
raised_at  # unused variable
decided_by  # unused variable
decided_at  # unused variable
# src/tongxin/points/models/ledger.py
reverses  # unused variable
anc1  # unused variable
anc2  # unused variable
anc3  # unused variable
is_member  # unused variable
linked_at  # unused variable
# src/tongxin/points/models/schemes.py
NONE  # unused variable
created_by  # unused variable
LABOUR  # unused variable
SANITATION  # unused variable
CUSTOMS  # unused variable
FILIAL  # unused variable
LAW  # unused variable
GOVERNANCE  # unused variable
OTHER  # unused variable
cap_person_month  # unused variable
cap_person_quarter  # unused variable
cap_person_year  # unused variable
cap_household_month  # unused variable
cap_household_quarter  # unused variable
cap_household_year  # unused variable
# src/tongxin/points/services.py
cap_person_month  # unused variable
cap_person_quarter  # unused variable
cap_person_year  # unused variable
cap_household_month  # unused variable
cap_household_quarter  # unused variable
cap_household_year  # unused variable
_.reviewed_at  # unused attribute
_.decided_by  # unused attribute
_.decided_at  # unused attribute
_.finalised_at  # unused attribute
# src/tongxin/points/views/shop.py
can_redeem  # unused variable
can_restock  # unused variable
# src/tongxin/stars/api.py
org_name  # unused variable
township_id  # unused variable
notice_starts_on  # unused variable
figure_text  # unused variable
figure_reason  # unused variable
computed_level  # unused variable
raised_at  # unused variable
# src/tongxin/stars/models/criteria.py
created_by  # unused variable
LTE  # unused variable
# src/tongxin/stars/models/cycle.py
THREE  # unused variable
NONE  # unused variable
notice_starts_on  # unused variable
updated_at  # unused variable
updated_by  # unused variable
raised_by  # unused variable
raised_at  # unused variable
resolved_by  # unused variable
# src/tongxin/stars/models/evidence.py
POINTS_BOARD  # unused variable
CASE  # unused variable
COVERAGE_FINDING  # unused variable
created_by  # unused variable
# src/tongxin/stars/models/lists.py
listed_by  # unused variable
lifted_at  # unused variable
lifted_by  # unused variable
created_by  # unused variable
ended_at  # unused variable
# src/tongxin/stars/models/supervision.py
created_by  # unused variable
escalated_deadline  # unused variable
# src/tongxin/stars/selectors.py
library  # unused variable
# src/tongxin/stars/services/cycle.py
_.updated_at  # unused attribute
_.updated_by  # unused attribute
# tests/browser/test_cases_loop.py
_.MEDIA_ROOT  # unused attribute
# tests/browser/test_orgs_coverage.py
transactional_db  # unused variable
# tests/browser/test_stars_tasks.py
_.MEDIA_ROOT  # unused attribute
# tests/cases/test_intake.py
_.MEDIA_ROOT  # unused attribute
# tests/cases/test_overview_export_inbox.py
record_sender  # unused function
# tests/factories.py
branch_b2  # unused variable
# tests/points/test_items_xlsx.py
_.border  # unused attribute
# tests/stars/test_evidence_and_metrics.py
_.MEDIA_ROOT  # unused attribute

# src/tongxin/cases/models/volunteers.py (a field, saved with update_fields)
confirmed_by  # unused variable
# src/tongxin/ops/backup.py (psycopg connection settings, read by the driver)
_.isolation_level  # unused attribute
_.read_only  # unused attribute
# bench/points/partition.py (psycopg connection setting)
_.autocommit  # unused attribute
# src/tongxin/orgs/api/figures.py (a response schema field)
rule_version  # unused variable
# src/tongxin/stars/criteria_io.py (pydantic: model settings and a field)
model_config  # unused variable
min_stars  # unused variable
# src/tongxin/core/middleware.py (read by templates as {{ request.csp_nonce }})
_.csp_nonce  # unused attribute

# --- ALLOWLIST, may only shrink: dead code today, each owner deletes it and its line -------------
