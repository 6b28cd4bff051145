-- A connection ticket opens either a display or a desktop's sound (ADR 0044): connectDesktop
-- issues one of each when the template has audio, and each endpoint redeems only its own kind,
-- so an audio ticket cannot open a display nor the other way round.
alter table display_ticket
    add column purpose text not null default 'DISPLAY' check (purpose in ('DISPLAY', 'AUDIO'));
