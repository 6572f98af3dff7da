/**
 * The offer planner's chosen surface: the snapshot in, the plan out, and the task format the
 * executor must agree on. The stages and the resource arithmetic stay internal.
 */
export { planOffers } from './plan-offers.js';
export { DEFAULT_PLANNER_TIMINGS } from './snapshot.js';
export type {
  ContainerReservation,
  ContainerResources,
  ContainerState,
  FailureCause,
  FrameworkIdentity,
  LastFailure,
  LaunchSettings,
  PlannerSettings,
  PlannerSnapshot,
  StateStorage,
} from './snapshot.js';
export type { AcceptPlan, DeclinePlan, JobError, OfferOutcomes, OfferPlan, OfferStreamAction, Placement, PlacementKind } from './plan.js';
export type { Outcome, StageName } from './outcome.js';
export { CONTAINER_LABEL, JOB_LABEL, RESOURCE_ID_LABEL } from './resource-format.js';
export { taskIdOf } from './task-info.js';
export { EXECUTOR_ENVIRONMENT, type TaskData } from '../../shared/config/executor-contract.js';
