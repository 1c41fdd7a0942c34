// Console accounts as the API shows them (never the password hash).

export function presentAccount(row: {
  id: string;
  username: string;
  display_name: string;
  role_groups: string[];
  disabled: boolean;
}) {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    roleGroups: row.role_groups,
    disabled: row.disabled,
  };
}
