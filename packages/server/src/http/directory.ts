// The directory of monitored users in the console API: the CSV upload of users, and reading users
// and groups (identities pseudonymised through presentUser).

import { forbidden, toIsoUtc } from "@openirm/domain";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import {
  type DirectoryGroupRow,
  type DirectoryUserListRow,
  directoryStatus,
  getDirectoryGroup,
  importDirectoryUsers,
  listDirectoryGroups,
  listDirectoryUsers,
} from "../commands/directory.ts";
import type { Ctx } from "../context.ts";
import { canSeeNames, presentUser } from "../presenters/users.ts";
import type { RouteModule } from "./app.ts";

/** Largest CSV body the import takes (about 200,000 users with every column filled). */
export const DIRECTORY_IMPORT_MAX_BYTES = 64 * 1024 * 1024;

const ImportJson = z.object({ csv: z.string() });
const Page = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const UsersQuery = Page.extend({
  status: z.enum(["active", "disabled", "deleted", "unlisted", "all"]).optional(),
  department: z.string().trim().min(1).optional(),
  search: z.string().trim().min(1).optional(),
});
const IdParams = z.object({ id: z.string() });

/** The uploaded bytes as text: UTF-8, else Latin-1 (older spreadsheet exports) with a warning. */
export function decodeCsvBody(body: Buffer): { text: string; warnings: string[] } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(body), warnings: [] };
  } catch {
    return {
      text: body.toString("latin1"),
      warnings: [
        "The file is not valid UTF-8, so it was read as Latin-1. Save it as CSV UTF-8 to keep every character.",
      ],
    };
  }
}

export function presentDirectoryUser(ctx: Ctx, row: DirectoryUserListRow) {
  const names = canSeeNames(ctx);
  let manager: ReturnType<typeof presentUser> | { upn: string } | null = null;
  if (row.manager_id && row.manager_upn) {
    manager = presentUser(ctx, { id: row.manager_id, upn: row.manager_upn, display_name: row.manager_display_name });
  } else if (names && row.manager_upn) {
    manager = { upn: row.manager_upn };
  }
  return {
    ...presentUser(ctx, row),
    status: directoryStatus(row),
    active: row.active,
    department: row.department,
    jobTitle: row.job_title,
    employeeType: row.employee_type,
    office: row.office,
    manager,
    ...(names ? { externalId: row.external_id, employeeNumber: row.employee_number } : {}),
    employmentStatus: row.employment_status,
    source: row.source,
    createdAt: toIsoUtc(row.created_at),
    updatedAt: toIsoUtc(row.updated_at),
    disabledAt: toIsoUtc(row.disabled_at),
    deletedAt: toIsoUtc(row.deleted_at),
  };
}

function presentGroup(row: DirectoryGroupRow) {
  return {
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    memberCount: row.member_count,
    createdAt: toIsoUtc(row.created_at),
    updatedAt: toIsoUtc(row.updated_at),
  };
}

async function importScope(scope: FastifyInstance) {
  for (const type of ["text/csv", "text/plain", "application/csv", "application/vnd.ms-excel"]) {
    if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
    scope.addContentTypeParser(type, { parseAs: "buffer", bodyLimit: DIRECTORY_IMPORT_MAX_BYTES }, (_r, body, done) =>
      done(null, body),
    );
  }
  scope.post(
    "/api/directory/users/import",
    { config: { permission: "connectors.manage" }, bodyLimit: DIRECTORY_IMPORT_MAX_BYTES },
    async (request) => {
      const decoded = Buffer.isBuffer(request.body)
        ? decodeCsvBody(request.body)
        : { text: ImportJson.parse(request.body).csv, warnings: [] };
      return importDirectoryUsers(request.ctx, { csv: decoded.text, warnings: decoded.warnings });
    },
  );
}

export const directoryRoutes: RouteModule = async (app) => {
  await app.register(importScope);

  app.get("/api/directory/users", { config: { permission: "connectors.read" } }, async (request) => {
    const q = UsersQuery.parse(request.query);
    if (q.search && !canSeeNames(request.ctx)) {
      throw forbidden("Searching users by name needs the identities.view permission while names are shown.");
    }
    const { items, total } = await listDirectoryUsers(request.ctx, q);
    return {
      items: items.map((row) => presentDirectoryUser(request.ctx, row)),
      total,
      limit: q.limit,
      offset: q.offset,
    };
  });

  app.get("/api/directory/groups", { config: { permission: "connectors.read" } }, async (request) => {
    const page = Page.parse(request.query);
    const { items, total } = await listDirectoryGroups(request.ctx, page);
    return { items: items.map(presentGroup), total, limit: page.limit, offset: page.offset };
  });

  app.get("/api/directory/groups/:id", { config: { permission: "connectors.read" } }, async (request) => {
    const { group, members } = await getDirectoryGroup(request.ctx, IdParams.parse(request.params).id);
    return {
      ...presentGroup(group),
      members: members.map((m) => ({ ...presentUser(request.ctx, m), status: directoryStatus(m) })),
    };
  });
};
