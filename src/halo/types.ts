/**
 * Wire shapes of the Halo records this product reads and writes (fields from halo-core-schemas.json; nearly all are
 * nullable on the wire). Datetimes are zone-less UTC strings – parse with `parseHaloDate`. Halo returns far more
 * fields than listed; the index signature keeps them reachable without pretending to know their types.
 */

export type HaloDateString = string;

export interface HaloCustomField {
  id: number;
  name?: string | null;
  label?: string | null;
  value?: unknown;
  display?: string | null;
}

interface Open {
  [field: string]: unknown;
}

export interface HaloAddress extends Open {
  id?: number;
  line1?: string | null;
  line2?: string | null;
  line3?: string | null;
  line4?: string | null;
  postcode?: string | null;
  primary?: boolean | null;
  site_id?: number | null;
}

/** `/api/Client` (schema Area). */
export interface HaloClientRecord extends Open {
  id: number;
  name?: string | null;
  inactive?: boolean | null;
  toplevel_id?: number | null;
  toplevel_name?: string | null;
  website?: string | null;
  notes?: string | null;
  customertype?: number | null;
  is_account?: boolean | null;
  isopportunity?: number | null;
  main_site_id?: number | null;
  main_site_name?: string | null;
  accountsid?: string | null;
  ref?: string | null;
  taxable?: boolean | null;
  item_tax_code?: number | null;
  default_currency_code?: number | null;
  customfields?: HaloCustomField[] | null;
  datecreated?: HaloDateString | null;
  alastupdate?: HaloDateString | null;
  newclient_sitename?: string | null;
  newclient_contactname?: string | null;
  newclient_contactemail?: string | null;
  newclient_countrycode?: string | null;
  newclient_regioncode?: number | null;
}

/** `/api/Site`. `client_id` arrives as a double (`12.0`). */
export interface HaloSite extends Open {
  id: number;
  name?: string | null;
  client_id?: number | null;
  client_name?: string | null;
  inactive?: boolean | null;
  phonenumber?: string | null;
  timezone?: string | null;
  maincontact_id?: number | null;
  delivery_address?: HaloAddress | null;
  invoice_address?: HaloAddress | null;
  invoice_address_isdelivery?: boolean | null;
  country_code?: string | null;
  country_code_name?: string | null;
  region_code?: number | null;
  region_code_name?: string | null;
  isinvoicesite?: boolean | null;
  notes?: string | null;
  customfields?: HaloCustomField[] | null;
  slastupdate?: HaloDateString | null;
}

/** `/api/Users` (contacts). `site_id` arrives as a double. */
export interface HaloUser extends Open {
  id: number;
  name?: string | null;
  firstname?: string | null;
  surname?: string | null;
  title?: string | null;
  emailaddress?: string | null;
  phonenumber?: string | null;
  phonenumber_preferred?: string | null;
  mobilenumber?: string | null;
  site_id?: number | null;
  site_name?: string | null;
  client_id?: number | null;
  client_name?: string | null;
  inactive?: boolean | null;
  isimportantcontact?: boolean | null;
  is_prospect?: boolean | null;
  customfields?: HaloCustomField[] | null;
  datecreated?: HaloDateString | null;
  ulastupdate?: HaloDateString | null;
}

/** `/api/AssetGroup` (schema Generic); `showasitem` = "Use for Items" → a product group. */
export interface HaloAssetGroup extends Open {
  id: number;
  name?: string | null;
  memo?: string | null;
  sequence?: number | null;
  showasitem?: boolean | null;
  showasequip?: boolean | null;
  nominalcode?: string | null;
  nominalcodepurchase?: string | null;
  tax_id?: number | null;
  tax_id_purchase?: number | null;
  item_recurring_default?: boolean | null;
  item_billing_period_default?: number | null;
}

export interface HaloItemSupplier extends Open {
  id?: number;
  supplier_id?: number | null;
  supplier_name?: string | null;
  supplier_sku?: string | null;
  price?: number | null;
  cost?: number | null;
}

/** `/api/Item` (products). */
export interface HaloItem extends Open {
  id: number;
  name?: string | null;
  description?: string | null;
  note?: string | null;
  internalreference?: string | null;
  externalreference?: string | null;
  supplier_part_code?: string | null;
  assetgroup_id?: number | null;
  assetgroup_name?: string | null;
  baseprice?: number | null;
  costprice?: number | null;
  recurringprice?: number | null;
  recurringcost?: number | null;
  isrecurringitem?: boolean | null;
  item_default_billing_period?: number | null;
  taxcode?: number | null;
  taxcodeother?: number | null;
  nominalcode?: string | null;
  purchasenominalcode?: string | null;
  supplier_id?: number | null;
  item_suppliers?: HaloItemSupplier[] | null;
  dont_track_stock?: boolean | null;
  iscontractitem?: boolean | null;
  inactive?: boolean | null;
  status?: number | null;
  customfields?: HaloCustomField[] | null;
  datecreated?: HaloDateString | null;
  lastmodified?: HaloDateString | null;
}

/** `/api/TicketType` (schema RequestType). */
export interface HaloTicketType extends Open {
  id: number;
  name?: string | null;
  use?: string | null;
  group_id?: number | null;
  visible?: boolean | null;
  workflow_id?: number | null;
  initial_status?: number | null;
  default_team?: string | null;
  default_agent?: number | null;
  allowall_status?: boolean | null;
  allowed_status?: Array<{ status_id: number; status_name?: string | null }> | null;
  inactive?: boolean | null;
}

/** `/api/Status` (schema TStatus). */
export interface HaloStatus extends Open {
  id: number;
  name?: string | null;
  shortname?: string | null;
  type?: number | null;
  sequence?: number | null;
  colour?: string | null;
}

/** `/api/Tickets` and `/api/Opportunities` (schema Faults). `team` is the team **name**. */
export interface HaloTicket extends Open {
  id: number;
  summary?: string | null;
  details?: string | null;
  details_html?: string | null;
  tickettype_id?: number | null;
  status_id?: number | null;
  priority_id?: number | null;
  client_id?: number | null;
  client_name?: string | null;
  site_id?: number | null;
  user_id?: number | null;
  agent_id?: number | null;
  team?: string | null;
  team_id?: number | null;
  dateoccurred?: HaloDateString | null;
  datecreated?: HaloDateString | null;
  last_update?: HaloDateString | null;
  /** POST responses use `lastupdate` where GETs use `last_update` (DJPSA). */
  lastupdate?: HaloDateString | null;
  hasbeenclosed?: boolean | null;
  dateclosed?: HaloDateString | null;
  workflow_id?: number | null;
  workflow_step?: number | null;
  pipeline_stage_id?: number | null;
  pipeline_stage_name?: string | null;
  oppcompanyname?: string | null;
  oppcontactname?: string | null;
  oppemailaddress?: string | null;
  oppvalue?: number | null;
  oppconversionprobability?: number | null;
  opptype?: string | null;
  oppcountry?: string | null;
  oppregion?: string | null;
  currency?: number | null;
  quotation_count?: number | null;
  deleted?: boolean | null;
  customfields?: HaloCustomField[] | null;
}
export type HaloOpportunity = HaloTicket;

/** A quote or sales-order line. Quantity/unit price are missing from the current swagger but accepted (§3.2). */
export interface HaloQuoteLine extends Open {
  id?: number;
  qhid?: number | null;
  sort_seq?: number | null;
  item_id?: number | null;
  productcode?: string | null;
  name?: string | null;
  description?: string | null;
  note?: string | null;
  quantity?: number | null;
  baseprice?: number | null;
  costprice?: number | null;
  discount_perc?: number | null;
  net_total?: number | null;
  total_price?: number | null;
  item_tax_code?: number | null;
  override_tax_code?: number | null;
  nominal_code?: string | null;
  item_recurring?: boolean | null;
  billingperiod?: number | null;
  startdate?: HaloDateString | null;
  optional?: boolean | null;
  isgroupdesc?: boolean | null;
}

/** `/api/Quotation` (schema QuotationHeader); `lines` only with `includedetails=true` / `includelines=true`. */
export interface HaloQuotation extends Open {
  id: number;
  title?: string | null;
  ticket_id?: number | null;
  client_id?: number | null;
  site_id?: number | null;
  user_id?: number | null;
  agent_id?: number | null;
  status?: number | null;
  date?: HaloDateString | null;
  expiry_date?: HaloDateString | null;
  po_ref?: string | null;
  note?: string | null;
  revenue?: number | null;
  tax_total?: number | null;
  total?: number | null;
  approvalstate?: number | null;
  salesorder_id?: number | null;
  last_update_time?: HaloDateString | null;
  lines?: HaloQuoteLine[] | null;
  customfields?: HaloCustomField[] | null;
}

export interface HaloOrderLine extends HaloQuoteLine {
  salesorder_id?: number;
  nominalcode?: string | null;
  quotation_line_id?: number | null;
}

/** `/api/SalesOrder` (schema OrderHead). */
export interface HaloSalesOrder extends Open {
  id: number;
  title?: string | null;
  ticket_id?: number | null;
  quotation_id?: number | null;
  client_id?: number | null;
  site_id?: number | null;
  user_id?: number | null;
  status?: number | null;
  date?: HaloDateString | null;
  po_number?: string | null;
  total?: number | null;
  lines?: HaloOrderLine[] | null;
  last_update_time?: HaloDateString | null;
}

/** `/api/Tax`. `value` is the rate. */
export interface HaloTax extends Open {
  id: number;
  name?: string | null;
  code?: string | null;
  value?: number | null;
  is_composite?: boolean | null;
}

/** `/api/Lookup?lookupid=N` – quote statuses, country/region codes and other lookup codes. */
export interface HaloLookup extends Open {
  id: number;
  lookupid?: number | null;
  name?: string | null;
  value2?: string | null;
  /** In the Quote Status table, '1' marks a status that closes the quote (`isClosedQuoteStatus`). */
  value3?: string | null;
  value4?: string | null;
  inactive?: boolean | null;
  sequence?: number | null;
}

/** `/api/Agent` and `/api/Agent/me` (schema Uname). */
export interface HaloAgent extends Open {
  id: number;
  name?: string | null;
  firstname?: string | null;
  surname?: string | null;
  email?: string | null;
  isdisabled?: boolean | null;
  is_agent?: boolean | null;
  isapiagent?: boolean | null;
  team?: string | null;
}

/** `/api/Team` (schema SectionDetail). */
export interface HaloTeam extends Open {
  id: number;
  name?: string | null;
  forrequests?: boolean | null;
  foropps?: boolean | null;
  forprojects?: boolean | null;
  inactive?: boolean | null;
}

/** `/api/Category` (schema CategoryDetail). */
export interface HaloCategory extends Open {
  id: number;
  value?: string | null;
  category_name?: string | null;
  type_id?: number | null;
}

/** `/api/Webhook`; the id is a GUID. */
export interface HaloWebhook extends Open {
  id?: string;
  name?: string | null;
  type?: number | null;
  url?: string | null;
  method?: number | null;
  content_type?: string | null;
  authentication_type?: number | null;
  authentication_header?: string | null;
  basic_username?: string | null;
  basic_password?: string | null;
  algorithm?: number | null;
  active?: boolean | null;
  disabled?: boolean | null;
  payload_type?: number | null;
  note?: string | null;
  last_status?: number | null;
}

/** `/api/Notification`: an event subscription of a webhook (type -2, delivery_method 6). */
export interface HaloNotification extends Open {
  id: number;
  name?: string | null;
  type?: number | string | null;
  delivery_method?: number | string | null;
  eventno?: number | string | null;
  webhook_id?: string | null;
  restriction_type?: number | string | null;
  conditions?: unknown[] | null;
}

/** `/api/WebhookEvent`: the delivery log. */
export interface HaloWebhookEvent extends Open {
  id: string;
  webhook_id?: string | null;
  notification_id?: number | null;
  entity_id?: number | null;
  timestamp?: HaloDateString | null;
  status?: number | null;
  responsestatus?: number | null;
  error?: boolean | null;
}

/** `/api/Control`: instance settings. */
export interface HaloControl extends Open {
  show_pipeline_stages?: boolean | null;
  default_pipeline_stage?: number | null;
  default_opp_tickettype_id?: number | null;
  enablequoteapprovals?: boolean | null;
  create_so_on_quote_approved?: boolean | null;
  itemnamesunique?: boolean | null;
}

/** `/api/authinfo` (no token). */
export interface HaloAuthInfo extends Open {
  auth_url?: string | null;
  tenant_id?: string | null;
}

export interface HaloDeleteResult extends Open {
  id?: number | string;
}
