// Priority user groups as the API shows them: the definition (viewers by role group and console
// account), and members through the users presenter (aliases for callers without identities).

import { isPriorityGroupViewer, toIsoUtc } from "@openirm/domain";
import type { PriorityGroupMemberRow, PriorityGroupRow } from "../commands/priorityGroups.ts";
import type { Ctx } from "../context.ts";
import { presentUser } from "./users.ts";

export function presentPriorityGroup(ctx: Ctx, row: PriorityGroupRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    viewers: { roleGroups: row.role_groups, accounts: row.accounts },
    memberCount: row.member_count,
    /** Whether the caller is one of the viewers (sees the members' users and alerts). */
    callerIsViewer: isPriorityGroupViewer(ctx.actor, {
      roleGroups: row.role_groups,
      accountIds: row.accounts.map((a) => a.id),
    }),
    createdBy: row.created_by,
    createdAt: toIsoUtc(row.created_at),
    updatedAt: toIsoUtc(row.updated_at),
  };
}

export function presentPriorityGroupMember(ctx: Ctx, row: PriorityGroupMemberRow) {
  return { ...presentUser(ctx, row), addedAt: toIsoUtc(row.added_at) };
}
