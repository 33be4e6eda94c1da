<?php

$MESS['VITRINALAB_VITRINA_LEAD_NONE'] = '—';
$MESS['VITRINALAB_VITRINA_LEAD_PHOTO_YES'] = 'attached to this email (the customer agreed)';
$MESS['VITRINALAB_VITRINA_LEAD_PHOTO_NO'] = 'none';
