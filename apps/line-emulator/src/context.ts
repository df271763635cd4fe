import { FaultPlan } from './core/fault-rng';
import { MessageIds } from './core/ids';
import { Recorder } from './recording';
import { SpecValidators } from './spec/message-validator';
import { EmulatorState } from './state';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';

/** Knobs that the admin API can change at run time. */
export interface EmulatorSettings {
  /** Enforce LINE's per-endpoint rate limits (off for benchmarks of the engine). */
  rateLimits: boolean;
  /** Added to every LINE API response (not to the admin API). */
  latencyMs: number;
  /** How long a "timeout" fault holds the connection before dropping it. */
  timeoutHangMs: number;
  replyTokenTtlMs: number;
  linkTokenTtlMs: number;
  /** Accept push/multicast to user ids that are not simulated users (as virtual friends). */
  acceptUnknownUsers: boolean;
}

/** Everything a route needs; built once by startEmulator and passed explicitly. */
export interface EmulatorContext {
  state: EmulatorState;
  recorder: Recorder;
  validators: SpecValidators;
  webhooks: WebhookDispatcher;
  faults: FaultPlan;
  settings: EmulatorSettings;
  messageIds: MessageIds;
  /** Timers of requests held open by timeout faults, cleared on close. */
  hanging: Set<NodeJS.Timeout>;
}
