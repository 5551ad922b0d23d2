"""Pages for provisions and their delivery: the lead's reports and the sponsor's sign-off
(``reports``), the Devolution Strategy Group's delivery dashboard (``dashboard``) and the public
progress page (``public``)."""
