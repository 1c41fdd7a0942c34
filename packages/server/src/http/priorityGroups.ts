// Priority user groups (a setting): users whose data only the group's viewers see.
//   GET    /api/priority-user-groups                               settings.read
//   POST   /api/priority-user-groups                               settings.manage  {name, description?, viewers, members?}
//   GET    /api/priority-user-groups/:group?page=&pageSize=        settings.read    (members paged)
//   PATCH  /api/priority-user-groups/:group                        settings.manage  {description?, viewers?}
//   DELETE /api/priority-user-groups/:group                        settings.manage
//   POST   /api/priority-user-groups/:group/members                settings.manage  {members: [UPN, …]}
//   POST   /api/priority-user-groups/:group/members/remove         settings.manage  {members: [UPN or user id, …]}
//   DELETE /api/priority-user-groups/:group/members/:user          settings.manage
//   POST   /api/priority-user-groups/:group/members/import         settings.manage  CSV text (or {csv})
// :group is the group's id or its name (any case).

import { AppError } from "@openirm/domain";
import {
  addPriorityGroupMembers,
  createPriorityGroup,
  deletePriorityGroup,
  getPriorityGroup,
  importPriorityGroupMembers,
  listPriorityGroups,
  removePriorityGroupMembers,
  updatePriorityGroup,
} from "../commands/priorityGroups.ts";
import { presentPriorityGroup, presentPriorityGroupMember } from "../presenters/priorityGroups.ts";
import type { RouteModule } from "./app.ts";
import { pageQuery } from "./paging.ts";
import { acceptTextBodies, textBodyOf } from "./textBody.ts";

const PATH = "/api/priority-user-groups";
/** Largest member CSV accepted: 10,000 UPNs with a few other columns fit many times over. */
export const PRIORITY_GROUP_IMPORT_MAX_BYTES = 8 * 1024 * 1024;

type Query = Record<string, unknown>;
type GroupParams = { Params: { group: string } };

function membersOf(body: unknown): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body) || !("members" in body)) {
    throw new AppError(
      "invalid_request",
      400,
      'The body must be a JSON object: {"members": ["sarad@contoso.com", …]}.',
      {
        column: "members",
      },
    );
  }
  return (body as { members: unknown }).members;
}

export const priorityGroupRoutes: RouteModule = async (app) => {
  app.get(PATH, { config: { permission: "settings.read" } }, async (request) => {
    const paging = pageQuery((request.query ?? {}) as Query);
    const { items, total } = await listPriorityGroups(request.ctx, paging);
    return {
      items: items.map((row) => presentPriorityGroup(request.ctx, row)),
      total,
      page: paging.page,
      pageSize: paging.pageSize,
    };
  });

  app.post(PATH, { config: { permission: "settings.manage" } }, async (request, reply) => {
    const { group, members } = await createPriorityGroup(request.ctx, request.body);
    return reply.status(201).send({ ...presentPriorityGroup(request.ctx, group), ...(members ? { members } : {}) });
  });

  app.get<GroupParams>(`${PATH}/:group`, { config: { permission: "settings.read" } }, async (request) => {
    const paging = pageQuery((request.query ?? {}) as Query);
    const { group, members, total } = await getPriorityGroup(request.ctx, request.params.group, paging);
    return {
      ...presentPriorityGroup(request.ctx, group),
      members: {
        items: members.map((m) => presentPriorityGroupMember(request.ctx, m)),
        total,
        page: paging.page,
        pageSize: paging.pageSize,
      },
    };
  });

  app.patch<GroupParams>(`${PATH}/:group`, { config: { permission: "settings.manage" } }, async (request) =>
    presentPriorityGroup(request.ctx, await updatePriorityGroup(request.ctx, request.params.group, request.body)),
  );

  app.delete<GroupParams>(`${PATH}/:group`, { config: { permission: "settings.manage" } }, async (request) => {
    const { group, policies } = await deletePriorityGroup(request.ctx, request.params.group);
    return { deleted: presentPriorityGroup(request.ctx, group), policiesUpdated: policies };
  });

  app.post<GroupParams>(`${PATH}/:group/members`, { config: { permission: "settings.manage" } }, async (request) =>
    addPriorityGroupMembers(request.ctx, request.params.group, membersOf(request.body)),
  );

  app.post<GroupParams>(
    `${PATH}/:group/members/remove`,
    { config: { permission: "settings.manage" } },
    async (request) => removePriorityGroupMembers(request.ctx, request.params.group, membersOf(request.body)),
  );

  app.delete<{ Params: { group: string; user: string } }>(
    `${PATH}/:group/members/:user`,
    { config: { permission: "settings.manage" } },
    async (request) => removePriorityGroupMembers(request.ctx, request.params.group, [request.params.user]),
  );

  await app.register(async (scope) => {
    acceptTextBodies(scope, PRIORITY_GROUP_IMPORT_MAX_BYTES);
    scope.post<GroupParams>(
      `${PATH}/:group/members/import`,
      { config: { permission: "settings.manage" }, bodyLimit: PRIORITY_GROUP_IMPORT_MAX_BYTES },
      async (request) =>
        importPriorityGroupMembers(
          request.ctx,
          request.params.group,
          textBodyOf(request.body, {
            field: "csv",
            what: "member list",
            example: "user principal name\nsarad@contoso.com\n…",
          }),
        ),
    );
  });
};
