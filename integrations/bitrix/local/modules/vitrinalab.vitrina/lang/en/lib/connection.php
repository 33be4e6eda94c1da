<?php

$MESS['VITRINALAB_VITRINA_CHECK_UNREACHABLE'] = 'Vitrina at #URL# cannot be reached: #WHY#';
$MESS['VITRINALAB_VITRINA_CHECK_REACHABLE'] = 'Vitrina at #URL# answers.';
$MESS['VITRINALAB_VITRINA_CHECK_SECRET_OK'] = 'The secret is right: Vitrina accepts requests the module signs.';
$MESS['VITRINALAB_VITRINA_CHECK_SECRET_BAD'] = 'Vitrina refused the signature: the secret differs from Vitrina\'s VITRINA_WEBHOOK_SECRETS.';
$MESS['VITRINALAB_VITRINA_CHECK_ODD'] = 'Unexpected answer from Vitrina: HTTP #STATUS# #BODY#';
