<?php

$MESS['VITRINALAB_VITRINA_LEAD_NONE'] = '—';
$MESS['VITRINALAB_VITRINA_LEAD_PHOTO_YES'] = 'attached to the request (the customer agreed); see Vitrina\'s dashboard';
$MESS['VITRINALAB_VITRINA_LEAD_PHOTO_NO'] = 'none';
