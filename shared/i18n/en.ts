// English: every string a person reads on the sign-in, consent, sign-out and error pages.
// `{name}` marks a value filled in (and escaped) when the page is rendered.
export const en = {
  signInTitle: 'Sign in',
  signInIntro: 'Sign in to continue to {client}.',
  username: 'Username',
  password: 'Password',
  signInButton: 'Sign in',
  sessionExpired: 'Your sign-in page expired. Please sign in again.',
  enterCredentials: 'Enter your username and password.',
  wrongCredentials: 'The username or password is not correct.',
  signInFirst: 'Please sign in first.',
  wrongAccount: 'The application asked for another account. Sign in as that account.',
  consentTitle: 'Allow access?',
  consentIntro: '{client} wants to access your account {user}.',
  consentScopes: 'It asks for these permissions:',
  consentNoScopes: 'It asks for no specific permissions.',
  consentPublishedBy:
    'This application is described by {host}. If you allow, you will be sent to {redirect}.',
  tooManySignIns: 'Too many failed sign-ins. Wait up to {minutes} minutes, then try again.',
  storeUnavailable: 'Sign-in is unavailable for a moment. Please try again shortly.',
  allow: 'Allow',
  deny: 'Deny',
  errorTitle: 'Error',
  errorHeading: 'This request cannot continue',
  errorAdvice:
    "Go back to the application and try again. If this keeps happening, tell the application's owner.",
  signOutTitle: 'Sign out?',
  signOutQuestion: 'Do you want to sign out of {user}?',
  signOutFrom: 'The application {client} asks you to sign out.',
  signOutButton: 'Sign out',
  stayButton: 'Stay signed in',
  signedOutTitle: 'Signed out',
  signedOutText: 'You are signed out. You can close this page.',
  notSignedOutText: 'You are still signed in.',
  // Why a request is shown as a page and never sent back to the application (RFC 6749 §4.1.2.1).
  repeatedClientId: 'The request repeats client_id.',
  missingClientId: 'The request has no client_id.',
  unknownClient: 'The application that sent you here is not registered.',
  repeatedRedirectUri: 'The request repeats redirect_uri.',
  missingRedirectUri: 'The request has no redirect_uri and the application registered several.',
  unregisteredRedirectUri: 'The redirect URI is not registered for this application.',
  malformedRequest: 'The request has a malformed percent-escape or invalid UTF-8.',
  formMediaType: 'The form must be sent as application/x-www-form-urlencoded.',
  formEncoding: 'The form is not valid UTF-8.',
  requestRefused: 'The request was refused: {detail}',
  metadataDocumentUnusable: "The application's metadata document cannot be used: {detail}.",
  repeatedParameter: 'The request repeats a parameter.',
  unregisteredLogoutRedirect:
    'The address to return to after signing out is not registered for this application.',
  logoutNeedsClient:
    'The request names an address to return to but not the application (client_id or id_token_hint).',
  badIdTokenHint: 'The id_token_hint was not issued by this server or does not match the application.',
  // OIDC Core §5.4 scope values, and the scopes of RFC 6749 this server knows.
  scope_openid: 'Confirm who you are (your user identifier)',
  scope_profile: 'Your profile: name, username, picture, locale',
  scope_email: 'Your email address and whether it is verified',
  scope_offline_access: 'Keep access while you are away (a refresh token)',
} as const;

export type StringKey = keyof typeof en;
export type Strings = Readonly<Record<StringKey, string>>;
