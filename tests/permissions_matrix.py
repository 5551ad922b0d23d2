# ruff: noqa: E501 - the table reads best one row a line
"""Who may do what, URL by URL: the intended result of every URL of the site for every persona.

Read a row as: the URL pattern's name, the method, the path tried (with the records of
tests/test_permissions_matrix.py put in), then one result per persona in the order of PERSONAS:

    anonymous   nobody      partner     dsg         sponsor     lead        other_lead  admin
    north_partner  north_lead  north_admin


A result is a status code, or ``login`` for a redirect to the sign-in page. The conventions
(core/policy.py decides them all): an object a person may not see is 404, one they may see
but not change is 403; an anonymous visitor is sent to sign in for pages and gets 401 from the
API. ``lead`` leads Transport, ``sponsor`` sponsors it, ``other_lead`` leads Skills; ``nobody``
has signed in but holds no role in any deal. The last three hold their roles in a second deal,
Northfold (``north_lead`` leads its Harbour Skills workstream), and none in the West Midlands,
whose records every path names: what they get is what deals kept apart mean. Writes are sent with an empty body: 200 or 400
says the person was let in (the form or serializer then refused the empty values); 302 is a
write done and redirected. API writes carry Transport's id and its OFFICIAL proposal's.
The public progress pages (``progress*``) answer everyone alike, signed in or not: 200 for a
published provision (one of the demo's), 404 for an unpublished or OFFICIAL-SENSITIVE one even
to its own deal's people, since the page is what the public sees. A partner's signed links
(``partner-*``) answer everyone alike too: the token is the key, and the page shows what a partner
may see (404 for an OFFICIAL-SENSITIVE proposal, whoever follows the link). The Django admin's own pages are one row, ``admin:*``.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSONAS = (
    "anonymous",
    "nobody",
    "partner",
    "dsg",
    "sponsor",
    "lead",
    "other_lead",
    "admin",
    "north_partner",
    "north_lead",
    "north_admin",
)
SECOND_DEAL = {"north_partner": "partner", "north_lead": "lead", "north_admin": "admin"}
ADMIN_SITE = "admin:*"


@dataclass(frozen=True)
class Cell:
    name: str
    method: str
    path: str
    expected: str


def _rows(table: str) -> list[Cell]:
    cells = []
    for line in table.strip().splitlines():
        name, method, path, *results = line.split()
        cells.append(Cell(name, method, path, " ".join(results)))
    return cells


# fmt: off
MATRIX = _rows("""
home                        GET    /                                                        login 200   200   200   200   200   200   200   200     200     200
workstream-list             GET    /workstreams/                                            login 404   200   200   200   200   200   200   200     200     200
my-workstreams              GET    /my-workstreams/                                         login 200   200   200   200   200   200   200   200     200     200
workstream-detail           GET    /workstreams/{slug}/                                     login 404   200   200   200   200   200   200   404     404     404
update-list                 GET    /workstreams/{slug}/updates/                             login 404   200   200   200   200   200   200   404     404     404
update-new                  GET    /workstreams/{slug}/updates/new/                         login 404   403   403   403   200   403   200   404     404     404
update-new                  POST   /workstreams/{slug}/updates/new/                         login 404   403   403   403   200   403   200   404     404     404
update-new                  GET    /workstreams/{slug}/updates/new/?period={missed_period}  login 404   403   403   403   200   403   200   404     404     404
update-new                  POST   /workstreams/{slug}/updates/new/?period={missed_period}  login 404   403   403   403   200   403   200   404     404     404
update-compare              GET    /workstreams/{slug}/updates/compare/                     login 404   200   200   200   200   200   200   404     404     404
update-detail               GET    /workstreams/{slug}/updates/{update}/                    login 404   200   200   200   200   200   200   404     404     404
update-review               POST   /workstreams/{slug}/updates/{update}/review/             login 404   403   403   200   403   403   403   404     404     404
provision-reports           GET    /workstreams/{slug}/provisions/                          login 404   200   200   200   200   200   200   404     404     404
provision-report-new        GET    /workstreams/{slug}/provisions/report/                   login 404   403   403   403   200   403   200   404     404     404
provision-report-new        POST   /workstreams/{slug}/provisions/report/                   login 404   403   403   403   200   403   200   404     404     404
provision-sign-off          POST   /workstreams/{slug}/provisions/sign-off/                 login 404   403   403   200   403   403   403   404     404     404
provision-import            GET    /provisions/import/                                      login 403   403   403   403   403   403   200   403     403     200
provision-import            POST   /provisions/import/                                      login 403   403   403   403   403   403   200   403     403     200
provision-import-confirm    POST   /provisions/import/confirm/                              login 403   403   403   403   403   403   302   403     403     302
risk-list                   GET    /workstreams/{slug}/risks/                               login 404   200   200   200   200   200   200   404     404     404
risk-create                 GET    /workstreams/{slug}/risks/new/                           login 404   403   403   403   200   403   200   404     404     404
risk-create                 POST   /workstreams/{slug}/risks/new/                           login 404   403   403   403   200   403   200   404     404     404
risk-detail                 GET    /workstreams/{slug}/risks/{risk}/                        login 404   200   200   200   200   200   200   404     404     404
risk-detail                 GET    /workstreams/{slug}/risks/{sensitive_risk}/              login 404   404   200   200   200   200   200   404     404     404
risk-edit                   GET    /workstreams/{slug}/risks/{risk}/edit/                   login 404   403   403   403   200   403   200   404     404     404
risk-edit                   POST   /workstreams/{slug}/risks/{risk}/edit/                   login 404   403   403   403   200   403   200   404     404     404
engagement-plan             GET    /workstreams/{slug}/engagement/                          login 404   200   200   200   200   200   200   404     404     404
engagement-create           GET    /workstreams/{slug}/engagement/new/                      login 404   403   403   403   200   403   200   404     404     404
engagement-create           POST   /workstreams/{slug}/engagement/new/                      login 404   403   403   403   200   403   200   404     404     404
engagement-detail           GET    /workstreams/{slug}/engagement/{entry}/                  login 404   200   200   200   200   200   200   404     404     404
engagement-edit             GET    /workstreams/{slug}/engagement/{entry}/edit/             login 404   403   403   403   200   403   200   404     404     404
workstream-merge            GET    /workstreams/{slug}/merge/                               login 404   403   403   403   403   403   200   404     404     404
workstream-merge            POST   /workstreams/{slug}/merge/                               login 404   403   403   403   403   403   200   404     404     404
workstream-cease            GET    /workstreams/{slug}/cease/                               login 404   403   403   403   403   403   200   404     404     404
workstream-cease            POST   /workstreams/{slug}/cease/                               login 404   403   403   403   403   403   200   404     404     404
workstream-links            GET    /workstreams/{slug}/links/                               login 404   403   403   403   200   403   200   404     404     404
workstream-links            POST   /workstreams/{slug}/links/                               login 404   403   403   403   302   403   302   404     404     404
proposal-list               GET    /proposals/                                              login 404   200   200   200   200   200   200   200     200     200
proposal-create             GET    /proposals/new/                                          login 404   403   403   403   200   200   200   403     200     200
proposal-create             POST   /proposals/new/                                          login 404   403   403   403   200   200   200   403     200     200
proposal-detail             GET    /proposals/{proposal}/                                   login 404   200   200   200   200   200   200   404     404     404
proposal-detail             GET    /proposals/{sensitive_proposal}/                         login 404   404   200   200   200   200   200   404     404     404
proposal-edit               GET    /proposals/{proposal}/edit/                              login 404   403   403   403   200   403   200   404     404     404
proposal-edit               POST   /proposals/{proposal}/edit/                              login 404   403   403   403   200   403   200   404     404     404
proposal-principles         GET    /proposals/{proposal}/principles/                        login 404   403   403   403   200   403   200   404     404     404
proposal-submit             GET    /proposals/{proposal}/submit/                            login 404   403   403   403   200   403   200   404     404     404
proposal-decide             GET    /proposals/{proposal}/decide/                            login 404   403   403   403   403   403   200   404     404     404
proposal-skip               GET    /proposals/{proposal}/skip/                              login 404   403   403   403   403   403   200   404     404     404
proposal-pass               GET    /proposals/{proposal}/pass/                              login 404   403   403   403   403   403   200   404     404     404
proposal-outcome            GET    /proposals/{proposal}/outcome/                           login 404   403   403   403   403   403   200   404     404     404
negotiation-create          GET    /proposals/{proposal}/negotiations/new/                  login 404   403   403   403   200   403   200   404     404     404
negotiation-edit            GET    /negotiations/{negotiation}/edit/                        login 404   403   403   403   403   403   302   404     404     404
meeting-list                GET    /meetings/                                               login 404   200   200   200   200   200   200   200     200     200
meeting-create              GET    /meetings/new/                                           login 404   403   403   403   403   403   200   403     403     200
meeting-create              POST   /meetings/new/                                           login 404   403   403   403   403   403   200   403     403     200
meeting-detail              GET    /meetings/{meeting}/                                     login 404   200   200   200   200   200   200   404     404     404
meeting-edit                GET    /meetings/{meeting}/edit/                                login 404   403   403   403   403   403   302   404     404     404
meeting-advance             POST   /meetings/{meeting}/status/                              login 404   403   403   403   403   403   200   404     404     404
agenda-item-create          GET    /meetings/{meeting}/agenda/new/                          login 404   403   403   403   403   403   200   404     404     404
agenda-item-remove          POST   /meetings/{meeting}/agenda/{item}/remove/                login 404   404   404   404   404   404   404   404     404     404
meeting-pack                GET    /meetings/{meeting}/pack/                                login 404   200   200   200   200   200   200   404     404     404
meeting-pack-pdf            GET    /meetings/{meeting}/pack.pdf                             login 404   200   200   200   200   200   200   404     404     404
meeting-paper-upload        GET    /papers/meetings/{paper_meeting}/new/                    login 404   403   403   403   403   403   200   404     404     404
meeting-paper-upload        POST   /papers/meetings/{paper_meeting}/new/                    login 404   403   403   403   403   403   200   404     404     404
proposal-paper-upload       GET    /papers/proposals/{proposal}/new/                        login 404   403   403   403   200   403   200   404     404     404
proposal-paper-upload       POST   /papers/proposals/{proposal}/new/                        login 404   403   403   403   200   403   200   404     404     404
proposal-paper-upload       GET    /papers/proposals/{sensitive_proposal}/new/              login 404   404   403   403   200   403   200   404     404     404
paper-download              GET    /papers/{paper}/download/                                login 404   200   200   200   200   200   200   404     404     404
paper-download              GET    /papers/{sensitive_paper}/download/                      login 404   404   200   200   200   200   200   404     404     404
paper-download              GET    /papers/{sensitive_proposal_paper}/download/             login 404   404   200   200   200   200   200   404     404     404
paper-remove                GET    /papers/{paper}/remove/                                  login 404   403   403   403   403   403   200   404     404     404
paper-remove                GET    /papers/{sensitive_paper}/remove/                        login 404   404   403   403   403   403   200   404     404     404
paper-remove                POST   /papers/{proposal_paper}/remove/                         login 404   403   403   403   302   403   302   404     404     404
ask-answer                  GET    /meetings/{dsg_meeting}/asks/{ask_update}/answer/        login 404   403   403   403   403   403   200   404     404     404
ask-answer                  POST   /meetings/{dsg_meeting}/asks/{ask_update}/answer/        login 404   403   403   403   403   403   200   404     404     404
action-create               GET    /meetings/{meeting}/actions/new/                         login 404   403   403   403   403   403   200   404     404     404
action-create               POST   /meetings/{meeting}/actions/new/                         login 404   403   403   403   403   403   200   404     404     404
action-log                  GET    /actions/                                                login 404   200   200   200   200   200   200   200     200     200
action-close                GET    /actions/{action}/close/                                 login 404   403   403   403   403   403   200   404     404     404
action-close                POST   /actions/{action}/close/                                 login 404   403   403   403   403   403   200   404     404     404
governance-chain            GET    /governance/                                             login 404   200   200   200   200   200   200   200     200     200
timeline                    GET    /timeline/                                               login 404   200   200   200   200   200   200   200     200     200
milestone-edit              GET    /milestones/{milestone}/edit/                            login 404   403   403   403   403   403   200   404     404     404
proposition                 GET    /proposition/                                            login 404   200   200   200   200   200   200   200     200     200
proposition-create          GET    /proposition/new/                                        login 404   403   403   403   403   403   200   403     403     200
proposition-version         GET    /proposition/{number}/                                   login 404   200   200   200   200   200   200   404     404     404
proposition-docx            GET    /proposition/{number}.docx                               login 404   200   200   200   200   200   200   404     404     404
proposition-approve         POST   /proposition/{number}/approve/                           login 404   403   403   403   403   403   200   404     404     404
calendar                    GET    /calendar/                                               login 200   200   200   200   200   200   200   200     200     200
calendar-reset              POST   /calendar/reset/                                         login 302   302   302   302   302   302   302   302     302     302
calendar-feed               GET    /calendar/not-a-token.ics                                404   404   404   404   404   404   404   404   404     404     404
dashboard                   GET    /dashboard/                                              login 404   200   200   200   200   200   200   200     200     200
dashboard-shared            GET    /dashboard/shared/                                       login 404   200   200   200   200   200   200   200     200     200
dashboard-pipeline          GET    /dashboard/pipeline/                                     login 404   200   200   200   200   200   200   200     200     200
dashboard-coverage          GET    /dashboard/coverage/                                     login 404   200   200   200   200   200   200   200     200     200
dashboard-asks              GET    /dashboard/asks/                                         login 404   200   200   200   200   200   200   200     200     200
dashboard-delivery          GET    /dashboard/delivery/                                     login 404   200   200   200   200   200   200   200     200     200
provision-list              GET    /provisions/                                             login 404   200   200   200   200   200   200   200     200     200
provision-detail            GET    /provisions/{provision}/                                 login 404   200   200   200   200   200   200   404     404     404
provision-detail            GET    /provisions/{sensitive_provision}/                       login 404   404   200   200   200   200   200   404     404     404
exports                     GET    /exports/                                                login 404   200   200   200   200   200   200   200     200     200
export-download             GET    /exports/proposals.csv                                   login 404   200   200   200   200   200   200   200     200     200
export-download             GET    /exports/provisions.xlsx                                 login 404   200   200   200   200   200   200   200     200     200
mission-list                GET    /missions/                                               login 200   200   200   200   200   200   200   200     200     200
indicator-detail            GET    /indicators/{code}/                                      login 200   200   200   200   200   200   200   200     200     200
framework-list              GET    /frameworks/                                             login 200   200   200   200   200   200   200   200     200     200
framework-detail            GET    /frameworks/{framework}/                                 login 404   200   200   200   200   200   200   404     404     404
indicator-observations-csv  GET    /indicators/{code}/observations.csv                      login 200   200   200   200   200   200   200   200     200     200
indicator-targets           GET    /indicators/{code}/targets/                              login 403   403   403   403   403   403   200   403     403     200
indicator-target-remove     POST   /indicators/{code}/targets/{target}/remove/              login 403   403   403   403   403   403   302   403     403     302
observation-import          GET    /observations/import/                                    login 403   403   403   403   403   403   200   403     403     200
observation-import-confirm  POST   /observations/import/confirm/                            login 403   403   403   403   403   403   200   403     403     200
observation-import-done     GET    /observations/import/done/                               login 403   403   403   403   403   403   302   403     403     302
digest-view                 GET    /briefings/view/{view_token}/                            login 404   404   404   404   200   404   404   404     404     404
digest-view-email           GET    /briefings/view/{view_token}/email/                      login 404   404   404   404   200   404   404   404     404     404
digest-unsubscribe          GET    /briefings/unsubscribe/{unsubscribe_token}/              200   200   200   200   200   200   200   200   200     200     200
subscription-list           GET    /subscriptions/                                          login 404   403   403   403   403   403   200   403     403     200
subscription-create         GET    /subscriptions/new/                                      login 404   403   403   403   403   403   200   403     403     200
subscription-create         POST   /subscriptions/new/                                      login 404   403   403   403   403   403   200   403     403     200
delivery-list               GET    /subscriptions/deliveries/                               login 404   403   403   403   403   403   200   403     403     200
briefing-request-list       GET    /subscriptions/briefing-requests/                        login 404   403   403   403   403   403   200   403     403     200
partner-page                GET    /briefings/partner/{partner_page_token}/                 200   200   200   200   200   200   200   200   200     200     200
partner-page                GET    /briefings/partner/{sensitive_partner_page_token}/       404   404   404   404   404   404   404   404   404     404     404
partner-briefing-session    GET    /briefings/partner/{briefing_session_token}/briefing-session/ 200 200 200   200   200   200   200   200   200     200     200
partner-briefing-session    POST   /briefings/partner/{briefing_session_token}/briefing-session/ 200 200 200   200   200   200   200   200   200     200     200
subscription-edit           GET    /subscriptions/{subscription}/edit/                      login 404   404   404   404   403   404   200   404     404     404
subscription-preview        GET    /subscriptions/{subscription}/preview/                   login 404   404   404   404   403   404   200   404     404     404
subscription-preview-email  GET    /subscriptions/{subscription}/preview/email/             login 404   404   404   404   403   404   200   404     404     404
subscription-activate       POST   /subscriptions/{subscription}/activate/                  login 404   404   404   404   403   404   302   404     404     404
subscription-deactivate     POST   /subscriptions/{subscription}/deactivate/                login 404   404   404   404   403   404   302   404     404     404
subscription-erase          GET    /subscriptions/{subscription}/erase/                     login 404   404   404   404   403   404   200   404     404     404
subscription-erase          POST   /subscriptions/{subscription}/erase/                     login 404   404   404   404   403   404   400   404     404     404
login                       GET    /accounts/login/                                         200   302   302   302   302   302   302   302   302     302     302
logout                      POST   /accounts/logout/                                        login login login login login login login login   login   login   login
two-factor-verify           GET    /accounts/two-factor/                                    login 302   302   302   302   302   302   302   302     302     302
two-factor-setup            GET    /accounts/two-factor/setup/                              login 302   302   302   302   302   302   302   302     302     302
sessions                    GET    /accounts/sessions/                                      login 200   200   200   200   200   200   200   200     200     200
session-end                 POST   /accounts/sessions/{session}/end/                        login 302   302   302   302   302   302   302   302     302     302
sessions-end-others         POST   /accounts/sessions/end-others/                           login 302   302   302   302   302   302   302   302     302     302
profile                     GET    /accounts/profile/                                       login 200   200   200   200   200   200   200   200     200     200
profile-subscription-create GET    /accounts/profile/subscriptions/new/                     login 404   200   200   200   200   200   200   200     200     200
profile-subscription-edit   GET    /accounts/profile/subscriptions/{subscription}/          login 404   404   404   404   200   404   404   404     404     404
profile-subscription-active POST   /accounts/profile/subscriptions/{subscription}/active/   login 404   404   404   404   302   404   404   404     404     404
progress                    GET    /progress/                                               200   200   200   200   200   200   200   200   200     200     200
progress                    POST   /progress/                                               405   405   405   405   405   405   405   405   405     405     405
progress-deal               GET    /progress/{deal_slug}/                                   200   200   200   200   200   200   200   200   200     200     200
progress-provision          GET    /progress/{deal_slug}/provisions/{published_provision}/  200   200   200   200   200   200   200   200   200     200     200
progress-provision          GET    /progress/{deal_slug}/provisions/{provision}/            404   404   404   404   404   404   404   404   404     404     404
progress-provision          GET    /progress/{deal_slug}/provisions/{sensitive_provision}/  404   404   404   404   404   404   404   404   404     404     404
progress-csv                GET    /progress/provisions.csv                                 200   200   200   200   200   200   200   200   200     200     200
progress-json               GET    /progress/provisions.json                                200   200   200   200   200   200   200   200   200     200     200
progress-deal-csv           GET    /progress/{deal_slug}/provisions.csv                     200   200   200   200   200   200   200   200   200     200     200
progress-deal-json          GET    /progress/{deal_slug}/provisions.json                    200   200   200   200   200   200   200   200   200     200     200
health                      GET    /health/                                                 200   200   200   200   200   200   200   200   200     200     200
accessibility-statement     GET    /accessibility/                                          200   200   200   200   200   200   200   200   200     200     200
privacy-notice              GET    /privacy/                                                200   200   200   200   200   200   200   200   200     200     200
api-schema                  GET    /api/v1/schema/                                          401   200   200   200   200   200   200   200   200     200     200
api-docs                    GET    /api/v1/docs/                                            401   200   200   200   200   200   200   200   200     200     200
api:api-root                GET    /api/v1/                                                 401   200   200   200   200   200   200   200   200     200     200
api:deal-list               GET    /api/v1/deals/                                           401   200   200   200   200   200   200   200   200     200     200
api:deal-detail             GET    /api/v1/deals/{deal}/                                    401   404   200   200   200   200   200   200   404     404     404
api:theme-list              GET    /api/v1/themes/                                          401   200   200   200   200   200   200   200   200     200     200
api:theme-detail            GET    /api/v1/themes/{theme}/                                  401   404   200   200   200   200   200   200   404     404     404
api:workstream-list         GET    /api/v1/workstreams/                                     401   200   200   200   200   200   200   200   200     200     200
api:workstream-detail       GET    /api/v1/workstreams/{workstream}/                        401   404   200   200   200   200   200   200   404     404     404
api:workstream-cease        POST   /api/v1/workstreams/{workstream}/cease/                  401   404   403   403   403   403   403   400   404     404     404
api:workstream-merge        POST   /api/v1/workstreams/{workstream}/merge/                  401   404   403   403   403   403   403   400   404     404     404
api:body-list               GET    /api/v1/bodies/                                          401   200   200   200   200   200   200   200   200     200     200
api:body-detail             GET    /api/v1/bodies/{body}/                                   401   404   200   200   200   200   200   200   404     404     404
api:status-update-list      GET    /api/v1/status-updates/                                  401   200   200   200   200   200   200   200   200     200     200
api:status-update-list      POST   /api/v1/status-updates/                                  401   400   403   403   403   400   403   400   400     400     400
api:status-update-detail    GET    /api/v1/status-updates/{update}/                         401   404   200   200   200   200   200   200   404     404     404
api:risk-list               GET    /api/v1/risks/                                           401   200   200   200   200   200   200   200   200     200     200
api:risk-list               POST   /api/v1/risks/                                           401   400   403   403   403   400   403   400   400     400     400
api:risk-detail             GET    /api/v1/risks/{risk}/                                    401   404   200   200   200   200   200   200   404     404     404
api:risk-detail             GET    /api/v1/risks/{sensitive_risk}/                          401   404   404   200   200   200   200   200   404     404     404
api:risk-detail             PATCH  /api/v1/risks/{risk}/                                    401   404   403   403   403   200   403   200   404     404     404
api:engagement-entry-list   GET    /api/v1/engagement-plans/                                401   200   200   200   200   200   200   200   200     200     200
api:engagement-entry-detail GET    /api/v1/engagement-plans/{entry}/                        401   404   200   200   200   200   200   200   404     404     404
api:engagement-entry-detail PATCH  /api/v1/engagement-plans/{entry}/                        401   404   403   403   403   200   403   200   404     404     404
api:proposal-list           GET    /api/v1/proposals/                                       401   200   200   200   200   200   200   200   200     200     200
api:proposal-list           POST   /api/v1/proposals/                                       401   400   403   403   403   400   403   400   400     400     400
api:proposal-detail         GET    /api/v1/proposals/{proposal}/                            401   404   200   200   200   200   200   200   404     404     404
api:proposal-detail         GET    /api/v1/proposals/{sensitive_proposal}/                  401   404   404   200   200   200   200   200   404     404     404
api:proposal-detail         PATCH  /api/v1/proposals/{proposal}/                            401   404   403   403   403   200   403   200   404     404     404
api:proposal-detail         DELETE /api/v1/proposals/{proposal}/                            401   405   405   405   405   405   405   405   405     405     405
api:proposal-outcome        POST   /api/v1/proposals/{proposal}/outcome/                    401   404   403   403   403   403   403   400   404     404     404
api:proposal-principles     PUT    /api/v1/proposals/{proposal}/principles/                 401   404   403   403   403   400   403   400   404     404     404
api:proposal-skip           POST   /api/v1/proposals/{proposal}/skip/                       401   404   403   403   403   403   403   400   404     404     404
api:proposal-pass           POST   /api/v1/proposals/{proposal}/pass/                       401   404   403   403   403   403   403   409   404     404     404
api:proposal-submit         POST   /api/v1/proposals/{sensitive_proposal}/submit/           401   404   404   403   403   200   403   200   404     404     404
api:decision-list           GET    /api/v1/decisions/                                       401   200   200   200   200   200   200   200   200     200     200
api:decision-list           POST   /api/v1/decisions/                                       401   400   403   403   403   403   403   400   400     400     400
api:decision-detail         GET    /api/v1/decisions/{decision}/                            401   404   404   200   200   200   200   200   404     404     404
api:negotiation-list        GET    /api/v1/negotiations/                                    401   200   200   200   200   200   200   200   200     200     200
api:negotiation-list        POST   /api/v1/negotiations/                                    401   400   403   403   403   400   403   400   400     400     400
api:negotiation-detail      GET    /api/v1/negotiations/{negotiation}/                      401   404   200   200   200   200   200   200   404     404     404
api:meeting-list            GET    /api/v1/meetings/                                        401   200   200   200   200   200   200   200   200     200     200
api:meeting-list            POST   /api/v1/meetings/                                        401   400   400   400   400   400   400   400   400     400     400
api:meeting-detail          GET    /api/v1/meetings/{meeting}/                              401   404   200   200   200   200   200   200   404     404     404
api:meeting-detail          PATCH  /api/v1/meetings/{meeting}/                              401   404   403   403   403   403   403   409   404     404     404
api:meeting-status          POST   /api/v1/meetings/{meeting}/status/                       401   404   403   403   403   403   403   400   404     404     404
api:paper-list              GET    /api/v1/papers/                                          401   200   200   200   200   200   200   200   200     200     200
api:paper-list              POST   /api/v1/papers/                                          401   405   405   405   405   405   405   405   405     405     405
api:paper-detail            GET    /api/v1/papers/{paper}/                                  401   404   200   200   200   200   200   200   404     404     404
api:paper-detail            GET    /api/v1/papers/{sensitive_paper}/                        401   404   404   200   200   200   200   200   404     404     404
api:paper-detail            DELETE /api/v1/papers/{paper}/                                  401   405   405   405   405   405   405   405   405     405     405
api:paper-file              GET    /api/v1/papers/{paper}/file/                             401   404   200   200   200   200   200   200   404     404     404
api:paper-file              GET    /api/v1/papers/{sensitive_paper}/file/                   401   404   404   200   200   200   200   200   404     404     404
api:ask-response-list       GET    /api/v1/ask-responses/                                   401   200   200   200   200   200   200   200   200     200     200
api:ask-response-list       POST   /api/v1/ask-responses/                                   401   400   400   400   400   400   400   400   400     400     400
api:ask-response-detail     GET    /api/v1/ask-responses/{ask_response}/                    401   404   200   200   200   200   200   200   404     404     404
api:action-list             GET    /api/v1/actions/                                         401   200   200   200   200   200   200   200   200     200     200
api:action-list             POST   /api/v1/actions/                                         401   400   400   400   400   400   400   400   400     400     400
api:action-detail           GET    /api/v1/actions/{action}/                                401   404   200   200   200   200   200   200   404     404     404
api:action-close            POST   /api/v1/actions/{action}/close/                          401   404   403   403   403   403   403   400   404     404     404
api:milestone-list          GET    /api/v1/milestones/                                      401   200   200   200   200   200   200   200   200     200     200
api:milestone-detail        GET    /api/v1/milestones/{milestone}/                          401   404   200   200   200   200   200   200   404     404     404
api:milestone-detail        PATCH  /api/v1/milestones/{milestone}/                          401   404   403   403   403   403   403   200   404     404     404
api:proposition-list        GET    /api/v1/propositions/                                    401   200   200   200   200   200   200   200   200     200     200
api:proposition-detail      GET    /api/v1/propositions/{version}/                          401   404   200   200   200   200   200   200   404     404     404
api:mission-list            GET    /api/v1/missions/                                        401   200   200   200   200   200   200   200   200     200     200
api:mission-detail          GET    /api/v1/missions/{mission}/                              401   200   200   200   200   200   200   200   200     200     200
api:indicator-list          GET    /api/v1/indicators/                                      401   200   200   200   200   200   200   200   200     200     200
api:indicator-detail        GET    /api/v1/indicators/{code}/                               401   200   200   200   200   200   200   200   200     200     200
api:indicator-measures      GET    /api/v1/indicators/{code}/measures/                      401   200   200   200   200   200   200   200   200     200     200
api:area-list               GET    /api/v1/areas/                                           401   200   200   200   200   200   200   200   200     200     200
api:area-detail             GET    /api/v1/areas/{gss}/                                     401   200   200   200   200   200   200   200   200     200     200
api:observation-list        GET    /api/v1/observations/                                    401   200   200   200   200   200   200   200   200     200     200
api:observation-list        POST   /api/v1/observations/                                    401   403   403   403   403   403   403   400   403     403     400
api:observation-bulk        POST   /api/v1/observations/bulk/                               401   403   403   403   403   403   403   400   403     403     400
api:observation-detail      GET    /api/v1/observations/{observation}/                      401   200   200   200   200   200   200   200   200     200     200
api:target-list             GET    /api/v1/targets/                                         401   200   200   200   200   200   200   200   200     200     200
api:target-list             POST   /api/v1/targets/                                         401   403   403   403   403   403   403   400   403     403     400
api:target-detail           GET    /api/v1/targets/{api_target}/                            401   200   200   200   200   200   200   200   200     200     200
api:target-detail           DELETE /api/v1/targets/{api_target}/                            401   403   403   403   403   403   403   204   403     403     204
api:provision-list          GET    /api/v1/provisions/                                      401   200   200   200   200   200   200   200   200     200     200
api:provision-list          POST   /api/v1/provisions/                                      401   400   403   403   403   403   403   400   400     400     400
api:provision-detail        GET    /api/v1/provisions/{provision}/                          401   404   200   200   200   200   200   200   404     404     404
api:provision-detail        GET    /api/v1/provisions/{sensitive_provision}/                401   404   404   200   200   200   200   200   404     404     404
api:provision-detail        PATCH  /api/v1/provisions/{provision}/                          401   404   403   403   403   403   403   200   404     404     404
api:provision-report-list   GET    /api/v1/provision-reports/                               401   200   200   200   200   200   200   200   200     200     200
api:provision-report-list   POST   /api/v1/provision-reports/                               401   400   400   400   400   400   400   400   400     400     400
api:provision-report-detail GET    /api/v1/provision-reports/{provision_report}/            401   404   200   200   200   200   200   200   404     404     404
api:provision-report-detail GET    /api/v1/provision-reports/{sensitive_provision_report}/  401   404   404   200   200   200   200   200   404     404     404
api:subscription-list       GET    /api/v1/subscriptions/                                   401   200   200   200   200   200   200   200   200     200     200
api:subscription-list       POST   /api/v1/subscriptions/                                   401   400   400   400   400   400   400   400   400     400     400
api:subscription-detail     GET    /api/v1/subscriptions/{subscription}/                    401   404   404   404   404   200   404   200   404     404     404
api:subscription-detail     PATCH  /api/v1/subscriptions/{subscription}/                    401   404   404   404   404   200   404   200   404     404     404
api:delivery-list           GET    /api/v1/deliveries/                                      401   403   403   403   403   403   403   200   403     403     200
api:delivery-detail         GET    /api/v1/deliveries/{delivery}/                           401   403   403   403   403   403   403   404   403     403     404
admin:*                     GET    /admin/                                                  302   302   302   302   302   302   302   200   302     302     200
""")
# fmt: on
