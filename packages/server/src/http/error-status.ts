/**
 * The HTTP status of each error code of the domain's catalogue (`services/error-catalogue.ts`).
 * The codes and statuses are `@repoman/api`'s `ERROR_STATUS`, the one list the OpenAPI document
 * and the client share; the domain adds the messages. The types make the two lists one: a code
 * of the domain without a status, or a code of the API without a message, does not compile.
 */
import { ERROR_STATUS as API_ERROR_STATUS } from '@repoman/api';
import { ERROR_MESSAGES, type ErrorCode } from '../services/error-catalogue.js';

export const ERROR_STATUS = API_ERROR_STATUS satisfies Record<ErrorCode, number>;

// Every code the API describes has a message in the domain's catalogue.
ERROR_MESSAGES satisfies Record<keyof typeof API_ERROR_STATUS, string>;
