// The user of a healthcare access: the "Email Address (UPN) or SamAccountName" column (Epic:
// EMP.SYSTEM_LOGIN). A UPN is taken as it is; a SamAccountName (with or without a "DOMAIN\" prefix)
// becomes <account>@<the connector's upnDomain>.

import { isUserPrincipalName } from "../schema.ts";

export type UserResult = { ok: true; upn: string } | { ok: false; reason: string };

/** Characters a SamAccountName may not hold (and "@", which makes a UPN). */
const NOT_IN_ACCOUNT_NAME = /[\s"/\\[\]:;|=,+*?<>@]/;

/** A configured domain, normalised ("@Contoso.com " → "contoso.com"); undefined when it is not one. */
export function normaliseUpnDomain(value: string): string | undefined {
  const domain = value.trim().replace(/^@/, "").toLowerCase();
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(domain) ? domain : undefined;
}

/** The user principal name of an access row's user text. */
export function resolveAccessUser(text: string, upnDomain: string | undefined): UserResult {
  const value = text.trim();
  if (!value) {
    return {
      ok: false,
      reason: "the value is empty; every access needs the user who made it (a UPN or SamAccountName).",
    };
  }
  if (value.includes("@")) {
    const upn = value.toLowerCase();
    if (isUserPrincipalName(upn)) return { ok: true, upn };
    return { ok: false, reason: `'${value}' is not a user principal name (name@domain) or a SamAccountName.` };
  }
  // "CONTOSO\jdoe": the down-level logon name; the account is after the backslash.
  const account = value.includes("\\") ? value.slice(value.lastIndexOf("\\") + 1) : value;
  if (!account || NOT_IN_ACCOUNT_NAME.test(account)) {
    return { ok: false, reason: `'${value}' is not a user principal name (name@domain) or a SamAccountName.` };
  }
  if (!upnDomain) {
    return {
      ok: false,
      reason: `'${value}' is a SamAccountName, not a user principal name, and the connector has no upnDomain to turn it into one. Set the connector's upnDomain (e.g. contoso.com), or export the users' UPNs.`,
    };
  }
  return { ok: true, upn: `${account}@${upnDomain}`.toLowerCase() };
}
