/**
 * @wedsync/adapter-vendor: a JSON-over-HTTP client for venue and vendor
 * booking systems under the `vendor_api` policy.
 *
 * @since 0.1.0
 */
export * as VendorApi from "./VendorApi.ts"
