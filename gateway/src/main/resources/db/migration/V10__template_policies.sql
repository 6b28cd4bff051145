-- Desktop policies of a template (docs/adr/0028-desktop-policies.md); defaults keep what
-- existing templates allowed: clipboard both ways, no watermark, no time limits.
alter table template
    add column clipboard              text    not null default 'BOTH'
        check (clipboard in ('BOTH', 'TO_DESKTOP', 'FROM_DESKTOP', 'NONE')),
    add column clipboard_max_bytes    integer not null default 1048576
        check (clipboard_max_bytes between 1 and 16777216),
    add column watermark              text,
    add column file_transfer          text    not null default 'BOTH'
        check (file_transfer in ('BOTH', 'UPLOAD', 'DOWNLOAD', 'NONE')),
    add column file_transfer_max_mib  integer not null default 100
        check (file_transfer_max_mib between 1 and 10240),
    add column printing               boolean not null default false,
    add column audio                  boolean not null default false,
    add column microphone             boolean not null default false
        check (audio or not microphone),
    add column idle_timeout_minutes   integer check (idle_timeout_minutes between 1 and 1440),
    add column auto_power_off_minutes integer check (auto_power_off_minutes between 1 and 10080),
    add column max_session_minutes    integer check (max_session_minutes between 1 and 10080);
