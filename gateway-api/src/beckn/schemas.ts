import { z } from 'zod';
import { SUBSCRIBER_ID } from './signing';

/**
 * Our own schemas of the Beckn core 1.1 transaction API, for the objects the storage flow uses
 * (docs/beckn.md#messages). Written from the specification's descriptions, not copied from it.
 * Unknown properties are dropped on parsing: a handler sees only what these schemas name.
 */

export const BECKN_VERSION = '1.1.0';

export const ACTIONS = ['search', 'select', 'init', 'confirm', 'status', 'track', 'update', 'cancel', 'rating', 'support'] as const;
export type Action = (typeof ACTIONS)[number];
export type CallbackAction = `on_${Action}`;
export const CALLBACK_ACTIONS = ACTIONS.map((a) => `on_${a}` as const) as readonly CallbackAction[];
export type AnyAction = Action | CallbackAction;

export const callbackOf = (action: Action): CallbackAction => `on_${action}`;

const text = z.string();
/** A decimal number as text, as Beckn carries prices and quantities. */
export const decimal = z.string().regex(/^[+-]?(\d*\.)?\d+$/, 'expected a decimal number as text');
export const gps = z
  .string()
  .regex(/^[-+]?([1-8]?\d(\.\d+)?|90(\.0+)?),\s*[-+]?(180(\.0+)?|((1[0-7]\d)|([1-9]?\d))(\.\d+)?)$/, 'expected "lat, lon"');
/** An ISO 8601 duration (P1D, PT30S, ...). */
export const duration = z
  .string()
  .regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, 'expected an ISO 8601 duration');
export const dateTime = z.iso.datetime({ offset: true });

export const descriptor = z.object({
  name: text.optional(),
  code: text.optional(),
  short_desc: text.optional(),
  long_desc: text.optional(),
});
export const tag = z.object({ descriptor: descriptor.optional(), value: text.optional(), display: z.boolean().optional() });
export const tagGroup = z.object({ display: z.boolean().optional(), descriptor: descriptor.optional(), list: z.array(tag).optional() });
const tags = z.array(tagGroup).optional();

export const scalar = z.object({
  type: z.enum(['CONSTANT', 'VARIABLE']).optional(),
  value: decimal,
  estimated_value: decimal.optional(),
  computed_value: decimal.optional(),
  range: z.object({ min: decimal.optional(), max: decimal.optional() }).optional(),
  unit: text.optional(),
});
export const price = z.object({
  currency: text.optional(),
  value: decimal.optional(),
  estimated_value: decimal.optional(),
  computed_value: decimal.optional(),
  listed_value: decimal.optional(),
  offered_value: decimal.optional(),
  minimum_value: decimal.optional(),
  maximum_value: decimal.optional(),
});
const code = z.object({ name: text.optional(), code: text.optional() });
export const time = z.object({
  label: text.optional(),
  timestamp: dateTime.optional(),
  duration: duration.optional(),
  range: z.object({ start: dateTime.optional(), end: dateTime.optional() }).optional(),
  days: text.optional(),
});
export const location = z.object({
  id: text.optional(),
  descriptor: descriptor.optional(),
  gps: gps.optional(),
  address: text.optional(),
  city: code.optional(),
  district: text.optional(),
  state: code.optional(),
  country: code.optional(),
  area_code: text.optional(),
  circle: z.object({ gps, radius: scalar }).optional(),
});
const count = (min: number) => z.object({ count: z.number().int().min(min).optional(), measure: scalar.optional() });
export const itemQuantity = z.object({
  allocated: count(0).optional(),
  available: count(0).optional(),
  maximum: count(1).optional(),
  minimum: count(0).optional(),
  selected: count(0).optional(),
  unitized: count(1).optional(),
});
export const fulfillmentState = z.object({
  descriptor: descriptor.optional(),
  updated_at: dateTime.optional(),
  updated_by: text.optional(),
});
export const cancellationTerm = z.object({
  fulfillment_state: fulfillmentState.optional(),
  reason_required: z.boolean().optional(),
  cancel_by: time.optional(),
  cancellation_fee: z.object({ percentage: decimal.optional(), amount: price.optional() }).optional(),
});
export const item = z.object({
  id: text.optional(),
  parent_item_id: text.optional(),
  descriptor: descriptor.optional(),
  price: price.optional(),
  quantity: itemQuantity.optional(),
  category_ids: z.array(text).optional(),
  fulfillment_ids: z.array(text).optional(),
  location_ids: z.array(text).optional(),
  payment_ids: z.array(text).optional(),
  cancellation_terms: z.array(cancellationTerm).optional(),
  time: time.optional(),
  rateable: z.boolean().optional(),
  rating: text.optional(),
  tags,
});
export const stop = z.object({
  id: text.optional(),
  type: text.optional(),
  location: location.optional(),
  time: time.optional(),
  instructions: descriptor.optional(),
});
export const fulfillment = z.object({
  id: text.optional(),
  type: text.optional(),
  rateable: z.boolean().optional(),
  state: fulfillmentState.optional(),
  tracking: z.boolean().optional(),
  stops: z.array(stop).optional(),
  tags,
});
export const payment = z.object({
  id: text.optional(),
  collected_by: text.optional(),
  url: z.url().optional(),
  params: z.object({ transaction_id: text.optional(), amount: decimal.optional(), currency: text.optional() }).optional(),
  type: z.enum(['PRE-ORDER', 'PRE-FULFILLMENT', 'ON-FULFILLMENT', 'POST-FULFILLMENT']).optional(),
  status: z.enum(['PAID', 'NOT-PAID']).optional(),
  time: time.optional(),
  tags,
});
export const category = z.object({ id: text.optional(), parent_category_id: text.optional(), descriptor: descriptor.optional(), tags });
export const provider = z.object({
  id: text.optional(),
  descriptor: descriptor.optional(),
  category_id: text.optional(),
  rating: text.optional(),
  time: time.optional(),
  categories: z.array(category).optional(),
  fulfillments: z.array(fulfillment).optional(),
  payments: z.array(payment).optional(),
  locations: z.array(location).optional(),
  items: z.array(item).optional(),
  exp: dateTime.optional(),
  rateable: z.boolean().optional(),
  tags,
});
export const catalog = z.object({
  descriptor: descriptor.optional(),
  fulfillments: z.array(fulfillment).optional(),
  payments: z.array(payment).optional(),
  providers: z.array(provider).optional(),
  exp: dateTime.optional(),
  ttl: text.optional(),
});
export const option = z.object({ id: text.optional(), descriptor: descriptor.optional() });
export const quotation = z.object({
  id: text.optional(),
  price: price.optional(),
  breakup: z.array(z.object({ item: item.optional(), title: text.optional(), price: price.optional() })).optional(),
  ttl: duration.optional(),
});
export const billing = z.object({
  name: text.optional(),
  address: text.optional(),
  email: text.optional(),
  phone: text.optional(),
  tax_id: text.optional(),
  time: time.optional(),
});
export const cancellation = z.object({
  time: dateTime.optional(),
  cancelled_by: z.enum(['CONSUMER', 'PROVIDER']).optional(),
  reason: option.optional(),
  additional_description: descriptor.optional(),
});
export const order = z.object({
  id: text.optional(),
  ref_order_ids: z.array(text).optional(),
  status: text.optional(),
  type: z.enum(['DRAFT', 'DEFAULT']).optional(),
  provider: provider.optional(),
  items: z.array(item).optional(),
  billing: billing.optional(),
  fulfillments: z.array(fulfillment).optional(),
  cancellation: cancellation.optional(),
  cancellation_terms: z.array(cancellationTerm).optional(),
  quote: quotation.optional(),
  payments: z.array(payment).optional(),
  created_at: dateTime.optional(),
  updated_at: dateTime.optional(),
  tags,
});
export const intent = z.object({
  descriptor: descriptor.optional(),
  provider: provider.optional(),
  fulfillment: fulfillment.optional(),
  payment: payment.optional(),
  category: category.optional(),
  item: item.optional(),
  tags,
});
export const rating = z.object({
  rating_category: z.enum(['Item', 'Order', 'Fulfillment', 'Provider', 'Agent', 'Support']).optional(),
  id: text.optional(),
  value: text.optional(),
});
export const support = z.object({
  ref_id: text.optional(),
  callback_phone: text.optional(),
  phone: text.optional(),
  email: text.optional(),
  url: z.url().optional(),
});
export const tracking = z.object({
  id: text.optional(),
  url: z.url().optional(),
  location: location.optional(),
  status: z.enum(['active', 'inactive']).optional(),
});
export const xinput = z.object({
  form: z
    .object({
      url: z.url().optional(),
      data: z.record(z.string(), z.string()).optional(),
      mime_type: z.enum(['text/html', 'application/xml']).optional(),
      submission_id: z.uuid().optional(),
    })
    .optional(),
  required: z.boolean().optional(),
});
export const becknError = z.object({ code: text, paths: text.optional(), message: text.optional() });
export const ack = z.object({ status: z.enum(['ACK', 'NACK']), tags });
/** The synchronous answer to every Beckn call. */
export const ackResponse = z.object({ message: z.object({ ack }), error: becknError.optional() });
export type AckResponse = z.infer<typeof ackResponse>;
export type BecknErrorObject = z.infer<typeof becknError>;

export const context = z.object({
  domain: z.string().min(1),
  location: z.object({ city: code.optional(), country: code.optional() }).optional(),
  action: z.string(),
  version: z.string(),
  bap_id: z.string().regex(SUBSCRIBER_ID, 'expected a subscriber id (a host name)'),
  bap_uri: z.url(),
  bpp_id: z.string().regex(SUBSCRIBER_ID, 'expected a subscriber id (a host name)').optional(),
  bpp_uri: z.url().optional(),
  transaction_id: z.uuid(),
  message_id: z.uuid(),
  timestamp: dateTime,
  key: text.optional(),
  ttl: duration.optional(),
});
export type Context = z.infer<typeof context>;

/** The `message` of each action and callback. */
export const MESSAGES = {
  search: z.object({ intent: intent.optional() }),
  select: z.object({ order }),
  init: z.object({ order }),
  confirm: z.object({ order }),
  status: z.object({ order_id: text }),
  track: z.object({ order_id: text, callback_url: z.url().optional() }),
  update: z.object({ update_target: text, order }),
  cancel: z.object({ order_id: text, cancellation_reason_id: text.optional(), descriptor: descriptor.optional() }),
  rating: z.object({ ratings: z.array(rating).optional() }),
  support: z.object({ support: support.optional() }),
  on_search: z.object({ catalog }),
  on_select: z.object({ order }),
  on_init: z.object({ order }),
  on_confirm: z.object({ order }),
  on_status: z.object({ order }),
  on_track: z.object({ tracking }),
  on_update: z.object({ order }),
  on_cancel: z.object({ order }),
  on_rating: z.object({ feedback_form: xinput.optional() }),
  on_support: z.object({ support: support.optional() }),
} satisfies Record<AnyAction, z.ZodType>;

export type MessageOf<A extends AnyAction> = z.infer<(typeof MESSAGES)[A]>;

/**
 * The body of an action (context and message) or of a callback (context and a message, an error,
 * or both: a callback that reports a failure may carry no message).
 */
export function bodySchema(action: AnyAction) {
  const message = MESSAGES[action];
  if (!action.startsWith('on_')) return z.object({ context, message });
  return z
    .object({ context, message: message.optional(), error: becknError.optional() })
    .refine((b) => b.message !== undefined || b.error !== undefined, { message: 'a callback carries a message or an error' });
}

export const isAction = (a: string): a is Action => (ACTIONS as readonly string[]).includes(a);
export const isCallbackAction = (a: string): a is CallbackAction => (CALLBACK_ACTIONS as readonly string[]).includes(a);

/** An ISO 8601 duration in seconds (a month as 30 days, a year as 365), or undefined when it is not one. */
export function durationSeconds(iso: string): number | undefined {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return undefined;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  return Math.ceil((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + s);
}
