import type { Command } from '../command';
import { devCommand } from './dev';
import { workerCommand } from './worker';
import { runCommand } from './run';
import { statusCommand } from './status';
import { findingsCommand } from './findings';
import { migrateCommand } from './migrate';
import { setupCommand } from './setup';
import { reportCommand } from './report';
import { alertsCommand } from './alerts';
import { scheduleCommand } from './schedule';
import { runsCommand } from './runs';
import { replayCommand } from './replay';
import { streamCommand } from './stream';
import { eraseCommand } from './erase';
import { retentionCommand } from './retention';
import { accessRequestCommand } from './access-request';
import { dsrCommand } from './dsr';
import { detokeniseCommand } from './detokenise';
import { inventoryCommand } from './inventory';
import { codecServerCommand } from './codec-server';

/** Every `govflow` sub-command, in the order `govflow --help` lists them. */
export const COMMANDS: Command[] = [
  devCommand,
  workerCommand,
  runCommand,
  statusCommand,
  findingsCommand,
  streamCommand,
  migrateCommand,
  setupCommand,
  reportCommand,
  alertsCommand,
  scheduleCommand,
  runsCommand,
  replayCommand,
  eraseCommand,
  retentionCommand,
  accessRequestCommand,
  dsrCommand,
  detokeniseCommand,
  inventoryCommand,
  codecServerCommand,
];
