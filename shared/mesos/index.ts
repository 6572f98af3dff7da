/**
 * The Mesos room's chosen surface: what the scheduler, the executor and the mini Mesos import.
 * Internals (the schema walk, the generated descriptor) stay out on purpose.
 */
export { MesosError, MESOS_ERROR_CODES, isMesosError, mesosErrorCodeForStatus } from './errors.js';
export type { MesosErrorCode, MesosErrorOptions } from './errors.js';

export { RecordIoDecoder, encodeRecordIo, readRecordIo, DEFAULT_MAX_RECORD_BYTES } from './recordio.js';
export type { RecordIoDecoderOptions } from './recordio.js';

export type { MesosCodec, MessageCodec, WireFormat } from './codec/message-codec.js';
export { protobufCodec, PROTOBUF_CONTENT_TYPE } from './codec/protobuf-codec.js';
export { jsonCodec, JSON_CONTENT_TYPE } from './codec/json-codec.js';
export { CONTENT_TYPES, acceptsMediaType, codecFor, negotiateWireFormat, wireFormatOfContentType } from './codec/wire-format.js';
export { MESSAGE_NAMES } from './schema.js';

export { ENVIRONMENT_VARIABLE_TYPES, FRAMEWORK_INFO_CAPABILITY_TYPES } from './types/common.js';
export type {
  Address,
  AgentID,
  AgentInfo,
  CommandInfo,
  CommandInfoURI,
  ContainerID,
  DurationInfo,
  Environment,
  EnvironmentVariable,
  EnvironmentVariableType,
  ExecutorID,
  Filters,
  FrameworkID,
  FrameworkInfo,
  FrameworkInfoCapability,
  FrameworkInfoCapabilityType,
  KillPolicy,
  Label,
  Labels,
  MasterInfo,
  OfferID,
  TaskID,
  TimeInfo,
} from './types/common.js';

export { OFFER_OPERATION_TYPES, RESOURCE_RESERVATION_INFO_TYPES, VALUE_TYPES, VOLUME_MODES } from './types/resources.js';
export type {
  Attribute,
  Offer,
  OfferOperation,
  OfferOperationCreate,
  OfferOperationDestroy,
  OfferOperationLaunch,
  OfferOperationLaunchGroup,
  OfferOperationReserve,
  OfferOperationType,
  OfferOperationUnreserve,
  Resource,
  ResourceAllocationInfo,
  ResourceDiskInfo,
  ResourceDiskInfoPersistence,
  ResourceReservationInfo,
  ResourceReservationInfoType,
  Value,
  ValueRange,
  ValueRanges,
  ValueScalar,
  ValueSet,
  ValueText,
  ValueType,
  Volume,
  VolumeMode,
} from './types/resources.js';

export {
  EXECUTOR_INFO_TYPES,
  TASK_STATES,
  TASK_STATUS_REASONS,
  TASK_STATUS_SOURCES,
  TERMINAL_TASK_STATES,
  isTerminalTaskState,
} from './types/tasks.js';
export type {
  ExecutorInfo,
  ExecutorInfoType,
  TaskGroupInfo,
  TaskInfo,
  TaskState,
  TaskStatus,
  TaskStatusReason,
  TaskStatusSource,
} from './types/tasks.js';

export { SCHEDULER_CALL_TYPES, SCHEDULER_EVENT_TYPES } from './types/scheduler.js';
export type {
  SchedulerCall,
  SchedulerCallAccept,
  SchedulerCallAcknowledge,
  SchedulerCallDecline,
  SchedulerCallKill,
  SchedulerCallMessage,
  SchedulerCallReconcile,
  SchedulerCallReconcileTask,
  SchedulerCallRevive,
  SchedulerCallShutdown,
  SchedulerCallSubscribe,
  SchedulerCallSuppress,
  SchedulerCallType,
  SchedulerEvent,
  SchedulerEventError,
  SchedulerEventFailure,
  SchedulerEventMessage,
  SchedulerEventOffers,
  SchedulerEventRescind,
  SchedulerEventSubscribed,
  SchedulerEventType,
  SchedulerEventUpdate,
} from './types/scheduler.js';

export { EXECUTOR_CALL_TYPES, EXECUTOR_EVENT_TYPES } from './types/executor.js';
export type {
  ExecutorCall,
  ExecutorCallMessage,
  ExecutorCallSubscribe,
  ExecutorCallType,
  ExecutorCallUpdate,
  ExecutorEvent,
  ExecutorEventAcknowledged,
  ExecutorEventError,
  ExecutorEventKill,
  ExecutorEventLaunch,
  ExecutorEventLaunchGroup,
  ExecutorEventMessage,
  ExecutorEventSubscribed,
  ExecutorEventType,
} from './types/executor.js';
