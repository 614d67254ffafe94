/** Keys of the certificate items: built beside the table design, in shared/store/keys.ts. */
export { caseCertificateKey, certificateKey, counterKey } from "../store/keys.ts";
