// What a connector type does after a batch of its signals is inserted, in the same transaction.

import type { ConnectorType } from "@openirm/domain";
import type { AfterInsert } from "./signalWriter.ts";

const AFTER_INSERT: Partial<Record<ConnectorType, AfterInsert>> = {};

export function afterInsertFor(type: ConnectorType | string): AfterInsert | undefined {
  return AFTER_INSERT[type as ConnectorType];
}
