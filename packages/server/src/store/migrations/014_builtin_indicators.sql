-- Built-in indicators live in the indicators table as kind 'builtin' rows, next to the custom ones:
-- each has a fixed row id and its stable catalog id in the new column builtin_id (null for custom
-- indicators). All start turned off: the tenant turns them on under Policy indicators before a
-- policy may select them. The server keeps the rows in step with its catalog at start (new
-- indicators are added turned off, names and descriptions follow the catalog). Names stay unique
-- among custom indicators only, so an existing custom indicator may share a built-in's name.

ALTER TABLE indicators ADD COLUMN builtin_id text;

ALTER TABLE indicators ADD COLUMN category text;

ALTER TABLE indicators ADD COLUMN updated_at timestamptz;

CREATE UNIQUE INDEX indicators_builtin_id ON indicators (builtin_id) WHERE builtin_id IS NOT NULL;

ALTER TABLE indicators DROP CONSTRAINT IF EXISTS indicators_name_key;

DROP INDEX IF EXISTS indicators_name_ci;

CREATE UNIQUE INDEX indicators_name_ci ON indicators (lower(name)) WHERE kind = 'custom';

INSERT INTO indicators (id, builtin_id, name, description, category, kind, enabled)
VALUES
  ('0b1e0000-0000-4000-8000-000000000001', 'office.documentSiteDownload', 'Downloading content from a document site', 'Files downloaded or synced from a document site (SharePoint-like), counted as distinct files.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000002', 'office.fileSharedExternally', 'Sharing files with people outside the organisation', 'Files shared with guests, partners or anyone-with-the-link links.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000003', 'office.folderSharedExternally', 'Sharing folders with people outside the organisation', 'Folders shared with guests, partners or anyone-with-the-link links.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000004', 'office.siteSharedExternally', 'Sharing sites with people outside the organisation', 'Whole document sites shared with people outside the organisation.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000005', 'office.emailExternal', 'Sending e-mail with attachments outside the organisation', 'E-mails with attachments sent to external recipients, counted as e-mails.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000006', 'office.emailFreeDomain', 'Sending e-mail with attachments to free public domains', 'E-mails with attachments sent to free public mail domains.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000007', 'office.emailSelf', 'Sending e-mail with attachments to self', 'E-mails with attachments the user sent to their own personal address.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000008', 'office.labelDowngraded', 'Downgrading sensitivity labels applied to files', 'Files whose sensitivity label was replaced by a lower one.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000009', 'office.labelRemoved', 'Removing sensitivity labels from files', 'Files whose sensitivity label was removed.', 'office', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000020', 'device.removableMediaCopy', 'Creating or copying files to USB', 'Files copied to USB drives or other removable media.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000021', 'device.removableMediaVolume', 'Volume of data copied to USB', 'Bytes copied to removable media in a day (file sizes added up).', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000022', 'device.browserUpload', 'Using a browser to upload files to the web', 'Files uploaded through a browser (personal cloud storage, web mail, file-sharing sites).', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000023', 'device.clipboardCopy', 'Copying sensitive or priority content to the clipboard', 'Content of files copied to the clipboard.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000024', 'device.print', 'Printing files', 'Files printed to local or network printers.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000025', 'device.networkShareCopy', 'Creating or transferring files to a network share', 'Files copied to a network share.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000026', 'device.remoteDesktopCopy', 'Copying files to a remote desktop session', 'Files copied into a remote desktop session.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000027', 'device.webDownload', 'Using a browser to download content from a third-party site', 'Files downloaded through a browser from websites outside the organisation.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000028', 'device.fileArchived', 'Archiving files on a device', 'Files packed into archives (zip, 7z, rar …).', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000029', 'device.fileRenamed', 'Renaming files on a device', 'Files renamed on a device.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000030', 'device.fileHidden', 'Creating hidden files on a device', 'Files created hidden or marked hidden.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000031', 'device.fileDeleted', 'Deleting files from a device', 'Files deleted from a device.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000032', 'device.usbMounted', 'Mounting USB to a device', 'USB drives mounted on a device.', 'device', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000040', 'security.defenseEvasion', 'Defence evasion: attempt to bypass security controls', 'Security alerts of defence evasion (disabling antivirus, tampering with protection).', 'security', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000041', 'security.unwantedSoftware', 'Unwanted software: unapproved or malicious software', 'Security alerts of unapproved or malicious software installed or run.', 'security', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000042', 'security.privilegeGranted', 'Administrator privilege granted', 'The user was given an administrative role or privilege.', 'security', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000050', 'physical.accessFinding', 'Physical access after termination or failed access to sensitive asset', 'Badge events with a finding: access to a priority physical asset, a failed access, or any access after the user''s termination.', 'physical', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000060', 'cloud.storageDownload', 'Downloading content from cloud storage', 'Files downloaded or synced from personal or company cloud storage (OneDrive, Google Drive, Box …).', 'cloud', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000061', 'cloud.appAnomaly', 'Cloud app anomaly', 'Anomalies a cloud application or identity provider reports (mass download, denied sign-on …).', 'cloud', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000070', 'browsing.malware', 'Browsed to malware or keylogger websites', 'Visits to websites categorised as malware or keylogger.', 'browsing', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000071', 'browsing.phishing', 'Browsed to phishing websites', 'Visits to websites categorised as phishing.', 'browsing', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000072', 'browsing.hacking', 'Browsed to hacking websites', 'Visits to websites categorised as hacking.', 'browsing', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000073', 'browsing.criminal', 'Browsed to criminal activity websites', 'Visits to websites categorised as criminal activity.', 'browsing', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000074', 'browsing.adult', 'Browsed to pornography or adult content websites', 'Visits to websites categorised as pornography or adult content.', 'browsing', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000075', 'browsing.violence', 'Browsed to violence, hate or weapons websites', 'Visits to websites categorised as violence, hate or weapons.', 'browsing', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000076', 'browsing.gambling', 'Browsed to gambling websites', 'Visits to websites categorised as gambling.', 'browsing', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000077', 'browsing.generativeAi', 'Browsed to generative AI sites websites', 'Visits to websites categorised as generative AI sites.', 'browsing', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000080', 'health.restrictedRecordAccess', 'Accessing restricted patient records', 'Accesses to restricted records (break-the-glass) in the medical records system.', 'health', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000081', 'health.relatedPatientAccess', 'Accessing records of family members, neighbours or co-workers', 'Accesses to records of patients who share the user''s name or address (HR employee profile match).', 'health', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000082', 'health.unusualVolume', 'Unusual volume of patient record access', 'Days on which the user accessed far more records than usual (health.unusual_volume).', 'health', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000083', 'health.recordExport', 'Exporting or printing patient records', 'Record accesses that exported, downloaded, sent or printed data.', 'health', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000084', 'health.recordModification', 'Modifying patient records', 'Record accesses that edited, created or deleted record data.', 'health', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000085', 'health.recordView', 'Viewing patient records', 'Record accesses that viewed or searched records.', 'health', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000090', 'communication.threat', 'Threatening language in messages', 'Messages that matched a communication compliance policy for threats.', 'communication', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000091', 'communication.harassment', 'Harassing language in messages', 'Messages that matched a communication compliance policy for harassment.', 'communication', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000092', 'communication.discrimination', 'Discriminating language in messages', 'Messages that matched a communication compliance policy for discrimination.', 'communication', 'builtin', false),
  ('0b1e0000-0000-4000-8000-000000000093', 'communication.anyMatch', 'Any communication compliance match', 'Messages that matched any communication compliance policy.', 'communication', 'builtin', false)
ON CONFLICT (id) DO NOTHING;
